"""Headless Chromium from Debian, driven by Selenium, for the dashboard's tests.

The browser and its driver are Debian's (`chromium`, `chromium-driver`; `make test` installs
them), named by path so Selenium Manager never looks for or downloads anything. The machine's
network is closed, so Chromium is told not to reach out either (no background networking,
component updates, sync or QUIC), and each session gets a fresh profile. Console messages are
kept (`goog:loggingPrefs`), so a test can assert the pages log no error.

Without Chromium a test is skipped, except in CI (`CI=true`), where it fails: a dashboard never
tested in a browser must not pass silently.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.servers import REPO

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "FLAGS",
    "SCREENSHOTS",
    "browser_logs",
    "chromium",
    "need_chromium",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)
#: Where the tests leave screenshots for a person to open (gitignored).
SCREENSHOTS = REPO / ".artifacts" / "screenshots"


def need_chromium() -> None:
    """Skip without Chromium and its driver (fail in CI)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    message = (
        f"{' and '.join(missing)} not found: install Debian's chromium and chromium-driver "
        "(`make system-deps` does)"
    )
    missing(message)


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium session with a fresh profile, quit (and its profile removed) after."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="augur-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def browser_logs(driver: Any) -> list[dict[str, Any]]:
    """The console messages since the last call (Chromium hands each out once)."""
    found: list[dict[str, Any]] = driver.get_log("browser")
    return found
