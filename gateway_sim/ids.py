"""8x8-style identifiers: 22-character URL-safe base64 strings (16 random bytes).

With `SANDBOX_ID_SEED` set, ids come from a seeded generator, so the same sequence of calls
produces the same ids and users can snapshot-test their integration's output.
"""

import base64
import random
import secrets
import threading

from django.conf import settings

_lock = threading.Lock()
_seeded: random.Random | None = None
_seeded_for: str | None = None


def _random_bytes(count: int) -> bytes:
    global _seeded, _seeded_for
    seed = settings.SANDBOX_ID_SEED
    if not seed:
        return secrets.token_bytes(count)
    with _lock:
        if _seeded is None or _seeded_for != seed:
            # Reproducible ids on purpose (SANDBOX_ID_SEED); nothing secret is drawn from it.
            _seeded = random.Random(seed)  # noqa: S311
            _seeded_for = seed
        return _seeded.randbytes(count)


def reset_seeded_ids() -> None:
    """Restart the seeded sequence (used when a tenant is reset or a test starts)."""
    global _seeded
    with _lock:
        _seeded = None


def new_id() -> str:
    return base64.urlsafe_b64encode(_random_bytes(16)).decode("ascii").rstrip("=")
