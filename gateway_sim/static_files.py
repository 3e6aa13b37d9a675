"""WhiteNoise's middleware, able to run in an async middleware chain too.

WhiteNoise's middleware is synchronous. In Django's async chain (the long-polls, see
gateway_sim.long_polls) a synchronous middleware runs on a thread and calls the rest of
the chain from there, holding that thread for the whole request: an open wait would hold a
thread for up to 60 s. This subclass looks the file up (a dictionary lookup, or a stat with
autorefresh) and serves a hit on a thread, and otherwise awaits the rest of the chain on
the event loop. `tests/control/test_wait_live.py` guards it: 200 open waits add no threads.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]  # WhiteNoise ships no types
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        response: HttpResponseBase = super().__call__(request)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        static_file = (
            self.find_file(request.path_info) if self.autorefresh else self.files.get(request.path_info)
        )
        if static_file is not None:
            response: HttpResponseBase = await sync_to_async(self.serve)(static_file, request)
            return response
        answer: HttpResponseBase = await self.get_response(request)
        return answer
