"""`make demo`: the seed template against a healthy and a degraded canary, no cluster needed.

Two schema-validating fake OAPs start on loopback ports, one whose canary keeps apdex at 9950 and
one whose canary has dropped to 9500; `augur run` runs the seed AnalysisTemplate
(`examples/skywalking-apdex.yaml`) against each on the virtual clock, so the 25-minute analyses
take a moment. Expected: Successful, then Failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fakes.fake_oap import FakeOAP, seed_demo

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "skywalking-apdex.yaml"
SERVICE = "canary|reviews|bookinfo|cp-cluster-1|-"


def run(oap: FakeOAP, label: str) -> int:
    command = [
        sys.executable,
        "-m",
        "app",
        "run",
        "-f",
        str(TEMPLATE),
        "-a",
        f"service-name={SERVICE}",
        "-a",
        f"oap-address={oap.url}",
        "--virtual-time",
    ]
    print(
        f"\n== {label} canary:\n"
        f"augur run -f {TEMPLATE.relative_to(REPO)} \\\n"
        f"  -a 'service-name={SERVICE}' \\\n"
        f"  -a oap-address={oap.url} --virtual-time",
        flush=True,
    )
    return subprocess.run(command, cwd=REPO, check=False).returncode


def main() -> int:
    healthy, degraded = FakeOAP(), FakeOAP()
    seed_demo(healthy, canary="healthy")
    seed_demo(degraded, canary="degraded")
    with healthy, degraded:
        first = run(healthy, "healthy")
        second = run(degraded, "degraded")
    print(f"\nexit codes: healthy {first} (0 = Successful), degraded {second} (1 = Failed)")
    return 0 if (first, second) == (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
