"""The one place that makes outbound HTTP to webhook targets.

Everything else (the worker, verify, re-send) goes through `http_post`, so tests can aim
it at a real local receiver and nothing else in the sandbox opens sockets to webhooks.
"""

import threading
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings

# What the delivery log keeps of a response body (bytes, UTF-8 decoded with replacement).
RESPONSE_BODY_LIMIT = 4096

_local = threading.local()


@dataclass
class HttpResult:
    """What happened on the wire for one POST."""

    status_code: int | None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    latency_ms: float = 0.0
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _session() -> requests.Session:
    # One pooled session per thread: keep-alive connections to the same receiver are
    # reused across attempts, and no connection pool is shared between threads.
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # never route webhook traffic through a proxy from the env
        _local.session = session
    return session


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=8192):
        chunks.append(chunk)
        size += len(chunk)
        if size > RESPONSE_BODY_LIMIT:
            break
    return b"".join(chunks)[:RESPONSE_BODY_LIMIT]


def http_post(*, uri: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> HttpResult:
    """POST `body` to `uri` once. Never raises for network trouble: it is in the result."""
    timeout = settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.perf_counter()
    try:
        # Redirects are not followed: like any non-2xx answer, a 3xx counts as a failure.
        with _session().post(
            uri, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            content = _read_limited(response)
            return HttpResult(
                status_code=response.status_code,
                response_headers={name.lower(): value for name, value in response.headers.items()},
                response_body=content.decode("utf-8", errors="replace"),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
    except requests.Timeout:
        error = f"timed out after {timeout:g} s"
    except requests.ConnectionError as exc:
        error = f"connection failed: {_reason(exc)}"
    except requests.RequestException as exc:
        error = f"request failed: {_reason(exc)}"
    return HttpResult(status_code=None, latency_ms=(time.perf_counter() - started) * 1000, error=error)


def _reason(exc: Exception) -> str:
    # requests wraps urllib3 errors several levels deep; the innermost one names the cause
    # ("Connection refused", "Name or service not known").
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or inner.__class__.__name__
    return text if len(text) <= 300 else text[:300] + "…"
