"""Same-origin check for WebSocket handshakes.

Browsers send cookies and open WebSockets to any site a page asks for; only the Origin
header tells the server which page asked. `ALLOWED_HOSTS` is open (the sandbox answers on
whatever name it is reached by), so channels' host-based validator lets everything in.
This one accepts a browser only when its page came from the host it is talking to.
Clients that send no Origin at all (integration scripts, tests) are not browsers and pass.
"""

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier

DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin1")
    return None


def _address(netloc: str, scheme: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        hostname, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not hostname:
        return None
    if port is None:
        port = DEFAULT_PORTS.get(scheme)
    return (hostname, port) if port is not None else None


def same_origin(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    host = _header(scope, b"host")
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    if host is None or parsed.scheme not in DEFAULT_PORTS:
        return False
    # A Host header without a port means the default port of the scheme the page used.
    page = _address(parsed.netloc, parsed.scheme)
    return page is not None and page == _address(host, parsed.scheme)


class SameOriginValidator:
    """Wraps the WebSocket router; a cross-origin handshake is closed before it is accepted."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
