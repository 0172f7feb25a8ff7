"""`make demo` shows a Successful and a Failed analysis of the seed template."""

from __future__ import annotations

import pytest

from tests.fakes import demo


def test_demo_gives_successful_then_failed(capfd: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capfd.readouterr().out
    assert "default/apdex: Successful" in out
    assert "default/apdex: Failed" in out
    assert "exit codes: healthy 0 (0 = Successful), degraded 1 (1 = Failed)" in out
