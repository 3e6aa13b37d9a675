"""ASGI entry point: HTTP through Django, WebSockets through Channels.

HTTP requests run Django's synchronous handler on a fixed pool of threads (a2wsgi). Every
view of the sandbox is synchronous; Django's own ASGI handler would hop between the event
loop and a new thread per request several times (each sync middleware and signal is a
hop) and open a database connection per request, which cost several milliseconds of CPU
per request. Here a request is one hand-over to a pool thread that keeps its connection.
"""

import os

from django.core.wsgi import get_wsgi_application

from gateway_sim.env import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gateway_sim.settings")
settings_or_exit()
django_wsgi_app = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from conversations.broadcast import remember_server_loop  # noqa: E402
from conversations.ws_routing import websocket_urlpatterns  # noqa: E402
from gateway_sim.runtime import start_embedded_workers  # noqa: E402
from gateway_sim.ws_security import SameOriginValidator  # noqa: E402

# Requests served at once; more wait for a free thread. No request of the sandbox waits
# on another, so this bounds only parallelism, not what can be answered.
HTTP_THREADS = 16

application = remember_server_loop(
    ProtocolTypeRouter(
        {
            # Django's responses are iterables of bytes, which its stubs do not say.
            "http": WSGIMiddleware(django_wsgi_app, workers=HTTP_THREADS),  # type: ignore[arg-type]
            "websocket": SameOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    )
)

start_embedded_workers()
