"""The dashboard in a real browser: headless Chromium against a real `augur serve`.

Runs are made from a replay template over the API, as a person would start them; the browser
then reads the pages, watches a run measure every second without reloading, terminates a run,
logs in and out, and moves with the keyboard. Every page must leave the console free of errors.
Screenshots go to `.artifacts/screenshots/` for a person to look at. One browser serves the
whole module; the servers are one in loopback mode (`make run`) and one with tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import SCREENSHOTS, browser_logs, chromium, need_chromium
from tests.support.servers import Served, augur_server
from tests.support.waiting import wait_run

WRITER = "writer-token-0123456789abcdef"
READER = "reader-token-0123456789abcdef"
POINT = "svg.chart .pt"


def replay_template(
    *, count: int, interval: str, error: bool = False, failure_limit: int = 2
) -> dict[str, Any]:
    """Apdex-shaped answers for `count` measurements: healthy, with a dip under 9900 every
    fourth (under the default failure limit the third dip fails the run) and, with `error`, one
    provider error after the fifth (Argo measures again 10 s after an error)."""
    results: list[dict[str, Any]] = []
    for index in range(count):
        low = 9850 if index % 4 == 2 else 9920 + index % 5 * 10
        points = [{"value": low + 30}, {"value": low}, {"value": low + 15}]
        results.append({"value": {"service_apdex": {"values": {"values": points}}}})
        if index == 4 and error:
            results.append({"error": "connection refused"})
    metric = {
        "name": "apdex",
        "interval": interval,
        "count": count,
        "failureLimit": failure_limit,
        "successCondition": "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
        "provider": {"replay": {"results": results}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "spec": {"metrics": [metric]},
    }


def start_run(
    base: str,
    name: str,
    *,
    count: int,
    interval: str,
    token: str | None = None,
    error: bool = False,
    failure_limit: int = 2,
) -> None:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    template = f"{base}/api/v1/namespaces/default/analysistemplates/{name}"
    stored = httpx.put(
        template,
        json=replay_template(
            count=count, interval=interval, error=error, failure_limit=failure_limit
        ),
        headers=headers,
    )
    assert stored.status_code in (200, 201), stored.text
    body = {"name": name, "templates": [{"templateName": name}]}
    created = httpx.post(
        f"{base}/api/v1/namespaces/default/analysisruns", json=body, headers=headers
    )
    assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    need_chromium()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("ui-local")
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{folder}/augur.db", log=folder / "augur.log", ready=True
    ) as served:
        # Measured while the other tests run (its error costs 10 s); read by the last test.
        start_run(served.base_url, "reviews-canary", count=12, interval="1s", error=True)
        yield served


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("ui-secured")
    with augur_server(
        store_url=f"sqlite+aiosqlite:///{folder}/augur.db",
        log=folder / "augur.log",
        env={"AUGUR_TOKENS": f"write:{WRITER},read:{READER}"},
        ready=True,
    ) as served:
        yield served


def quiet_console(driver: Any) -> None:
    """No error in the console since the last look."""
    errors = [entry for entry in browser_logs(driver) if entry["level"] == "SEVERE"]
    assert errors == []


def shot(driver: Any, name: str) -> Path:
    """A full-page screenshot a person can open."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 4000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def wait(driver: Any, condition: Any, timeout: float = 20) -> Any:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A live update replaces elements under the test's feet: look again.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=ignored).until(
        condition
    )


def test_a_live_update_arrives_without_a_reload(driver: Any, local: Served) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{local.base_url}/ui/")
    driver.execute_script("window.notReloaded = true;")
    # Measures for 30 s, long after the page has seen it grow.
    start_run(local.base_url, "live-canary", count=30, interval="1s", failure_limit=30)
    wait(driver, lambda d: d.find_elements(By.LINK_TEXT, "live-canary"))  # a new row
    assert driver.execute_script("return window.notReloaded === true")
    driver.find_element(By.LINK_TEXT, "live-canary").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, POINT))
    driver.execute_script("window.notReloaded = true;")
    before = len(driver.find_elements(By.CSS_SELECTOR, POINT))
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, POINT)) >= before + 2)
    assert driver.execute_script("return window.notReloaded === true")
    assert driver.find_element(By.CSS_SELECTOR, "[data-announce]").text.startswith("Updated at")
    shot(driver, "run-live")
    quiet_console(driver)


def test_terminate_from_the_page(driver: Any, local: Served) -> None:
    from selenium.webdriver.common.by import By

    start_run(local.base_url, "slow-canary", count=3, interval="1h")
    driver.get(f"{local.base_url}/ui/namespaces/default/runs/slow-canary")
    driver.find_element(By.XPATH, "//button[text()='Terminate']").click()
    finished = wait_run(local.base_url, "slow-canary", timeout=20)
    assert finished["spec"]["terminate"] is True
    # The live update shows the run's end and takes the button away.
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".facts .phase").text != "Running")
    # (The page may come back already finished, without the form at all.)
    forms = "[data-terminate]"
    wait(
        driver, lambda d: not any(f.is_displayed() for f in d.find_elements(By.CSS_SELECTOR, forms))
    )
    quiet_console(driver)


def test_the_keyboard_reaches_the_main_controls(driver: Any, local: Served) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{local.base_url}/ui/")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.text == "Skip to content"
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    reached = []
    for _ in range(8):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        reached.append(element.get_attribute("id") or element.text)
    assert {"f-namespace", "f-phase", "Filter"} <= set(reached)
    start_run(local.base_url, "keys-canary", count=3, interval="1h")
    driver.get(f"{local.base_url}/ui/namespaces/default/runs/keys-canary")
    found = []
    for _ in range(30):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        found.append(driver.switch_to.active_element.text)
        if found[-1] == "Terminate":
            break
    assert found[-1] == "Terminate"
    quiet_console(driver)


def test_the_runs_and_a_run_render_with_a_point_per_measurement(driver: Any, local: Served) -> None:
    from selenium.webdriver.common.by import By

    finished = wait_run(local.base_url, "reviews-canary", timeout=40)
    driver.get(f"{local.base_url}/ui/")
    link = driver.find_element(By.LINK_TEXT, "reviews-canary")
    row = driver.find_element(By.XPATH, "//tr[th/a[text()='reviews-canary']]")
    assert (
        row.find_element(By.CSS_SELECTOR, ".phase").text
        == finished["status"]["phase"]
        == ("Failed")
    )
    shot(driver, "runs")
    link.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, POINT))
    stored = httpx.get(
        f"{local.base_url}/api/v1/namespaces/default/analysisruns/reviews-canary/measurements"
    ).json()["items"]
    assert len(driver.find_elements(By.CSS_SELECTOR, POINT)) == len(stored) == 12
    assert len(driver.find_elements(By.CSS_SELECTOR, ".measurements tbody tr")) == 12
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart path.pt.err")) == 1
    assert driver.find_element(By.CSS_SELECTOR, "svg.chart text.rl").text == "success ≥ 9900"
    assert "Phase history" in driver.page_source
    shot(driver, "run")
    quiet_console(driver)


def _log_in(driver: Any, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/ui/")
    assert driver.current_url.startswith(f"{base}/ui/login?next=")
    field = driver.find_element(By.ID, "token")
    field.send_keys(token)
    field.submit()
    wait(driver, lambda d: d.current_url == f"{base}/ui/")


def _log_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, "//button[text()='Log out']").click()
    wait(driver, lambda d: "You are logged out." in d.page_source)


def test_login_logout_and_what_a_reader_and_a_writer_may_do(driver: Any, secured: Served) -> None:
    from selenium.webdriver.common.by import By

    start_run(secured.base_url, "guarded", count=3, interval="1h", token=WRITER)
    run_page = f"{secured.base_url}/ui/namespaces/default/runs/guarded"
    _log_in(driver, secured.base_url, READER)
    [session] = [c for c in driver.get_cookies() if c["name"] == "augur_session"]
    assert (session["httpOnly"], session["sameSite"]) == (True, "Strict")
    assert READER not in session["value"]
    assert "Logged in: read" in driver.page_source
    driver.get(run_page)
    assert driver.find_elements(By.XPATH, "//button[text()='Terminate']") == []
    quiet_console(driver)
    # The reader forges the form the page did not offer: refused, nothing changes.
    driver.execute_script(
        """const form = document.createElement('form');
        form.method = 'post'; form.action = arguments[0];
        const token = document.querySelector('input[name=csrf]').cloneNode();
        form.appendChild(token); document.body.appendChild(form); form.submit();""",
        f"{run_page}/terminate",
    )
    wait(driver, lambda d: "Forbidden" in d.title)
    assert "your token has read scope; this needs write" in driver.page_source
    shot(driver, "refused")
    browser_logs(driver)  # the 403 itself is reported in the console; nothing else may be
    run = httpx.get(
        f"{secured.base_url}/api/v1/namespaces/default/analysisruns/guarded",
        headers={"authorization": f"Bearer {READER}"},
    ).json()
    assert run["spec"].get("terminate") is not True
    driver.get(f"{secured.base_url}/ui/")
    _log_out(driver)
    shot(driver, "logged-out")
    _log_in(driver, secured.base_url, WRITER)
    driver.get(run_page)
    driver.find_element(By.XPATH, "//button[text()='Terminate']").click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".facts .phase").text != "Running")
    run = httpx.get(
        f"{secured.base_url}/api/v1/namespaces/default/analysisruns/guarded",
        headers={"authorization": f"Bearer {READER}"},
    ).json()
    assert run["spec"]["terminate"] is True
    quiet_console(driver)
    _log_out(driver)
