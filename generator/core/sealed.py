"""Cache entries sealed with a key that lives outside the repository, so none can be planted.

The caches under ``.rundbrief/`` hold pickles, and unpickling runs code. Their names are
fingerprints anyone can compute, so a pull request that force-adds
``.rundbrief/cache/…/<fingerprint>.pickle`` would run its code in CI's ``rundbrief check``.
Every entry is therefore sealed with an HMAC whose key is created on this machine, in the
user's cache folder (never in the repository); an entry without a valid seal is no entry.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

SEAL = hashlib.sha256().digest_size


def key_file() -> Path:
    """Where this machine's key lives: ``$XDG_CACHE_HOME/rundbrief/cache-key`` (or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError as error:  # no HOME and no user entry: no key, so no cache
            raise OSError(str(error)) from None
    return Path(base) / "rundbrief" / "cache-key"


@functools.cache
def _key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # created once, readable only by this user; a second process reads the first's key
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        with open(path, "rb") as stream:  # noqa: PTH123 - outside the repository, ours
            found = stream.read()
        if len(found) >= 32:
            return found
        raise OSError(f"cache key {path} is too short") from None
    key = secrets.token_bytes(32)
    with os.fdopen(handle, "wb") as stream:
        stream.write(key)
    return key


def seal(data: bytes) -> bytes:
    """``data`` with its seal in front."""
    return hmac.new(_key(key_file()), data, hashlib.sha256).digest() + data


def unseal(blob: bytes) -> bytes | None:
    """The data of a sealed entry, or None if its seal is not this machine's."""
    try:
        key = _key(key_file())
    except OSError:
        return None
    seal_, data = blob[:SEAL], blob[SEAL:]
    expected = hmac.new(key, data, hashlib.sha256).digest()
    return data if len(blob) > SEAL and hmac.compare_digest(seal_, expected) else None
