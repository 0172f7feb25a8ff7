"""Self-signed certificates for loopback TLS servers in tests (the `openssl` binary makes them)."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from pathlib import Path


def _alt(name: str) -> str:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return f"DNS:{name}"
    return f"IP:{name}"


def self_signed(directory: Path, name: str, *more: str) -> tuple[Path, Path]:
    """A certificate for `name` (a host name or an IP) and `more` names alone, and its key,
    valid for a day."""
    assert shutil.which("openssl"), "the TLS tests need the openssl binary (Debian: openssl)"
    alt = ",".join(_alt(each) for each in (name, *more))
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", f"/CN={name}", "-addext", f"subjectAltName={alt}"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
