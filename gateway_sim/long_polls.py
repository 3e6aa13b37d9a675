"""Serving long-polls (the control API's event wait) without a thread per open request.

Django's ASGI handler gives every request a context of its own for thread-sensitive sync
code, and the thread that context starts (for the sync parts of the middleware) lives
until the request ends: a wait open for 30 s holds a thread for 30 s. Here that context
is left out, so the sync parts of all long-polls share asgiref's one process-wide thread
(they are short: middleware hooks, the auth lookup) and an open wait holds only its
coroutine. `tests/control/test_wait_live.py` guards it: 200 open waits add no threads.
"""

from typing import Any

from django.core.handlers.asgi import ASGIHandler


class LongPollHandler(ASGIHandler):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)
