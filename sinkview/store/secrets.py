"""Per-installation secrets (the HMAC key for patient pseudonyms, later the cookie key).

Owns where secrets live (``$SINKVIEW_SECRETS_DIR``, default ``~/.sinkview``: outside the
repository), creating them on first use with owner-only permissions, and reading them back.
"""

from __future__ import annotations

import os
import secrets as _random
from pathlib import Path


def secrets_dir() -> Path:
    return Path(os.environ.get("SINKVIEW_SECRETS_DIR") or Path.home() / ".sinkview")


def secret(name: str, nbytes: int = 32) -> bytes:
    """The named secret, created (random, mode 0600) the first time it is asked for."""
    folder = secrets_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{name}.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_random.token_bytes(nbytes))
    return path.read_bytes()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), for the SQL macro sv_hmac."""
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
