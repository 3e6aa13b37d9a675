"""ASGI entry point: HTTP through Django's synchronous handler, WebSockets through Channels.

Every HTTP view of the sandbox but one is synchronous; gateway_sim.http runs them on a fixed
pool of threads with one hand-over per request. The control API's event wait is a long-poll
that must hold no thread while it waits, so its path goes to Django's ASGI handler (see
gateway_sim.long_polls), which awaits the async view on the event loop.
"""

import os
import re

from django.core.wsgi import get_wsgi_application

from gateway_sim.env import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gateway_sim.settings")
settings_or_exit()
django_wsgi_app = get_wsgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from conversations.ws_routing import websocket_urlpatterns  # noqa: E402
from gateway_sim.broadcast import remember_server_loop  # noqa: E402
from gateway_sim.http import ByPath, SyncDjango, daphne_without_form_parsing  # noqa: E402
from gateway_sim.http_limits import daphne_with_limits  # noqa: E402
from gateway_sim.long_polls import LongPollHandler  # noqa: E402
from gateway_sim.runtime import start_embedded_workers  # noqa: E402
from gateway_sim.ws_security import SameOriginValidator  # noqa: E402

# Requests served at once; more wait for a free thread. No request of the sandbox waits
# on another, so this bounds only parallelism, not what can be answered.
HTTP_THREADS = 16

# The async views' paths (a trailing slash is optional).
ASYNC_PATH = re.compile(r"^/sandbox/v1/events/wait/?$")

daphne_without_form_parsing()
# Body limits and JSON answers for what Daphne's server refuses before the application.
daphne_with_limits()

application = remember_server_loop(
    ProtocolTypeRouter(
        {
            "http": ByPath(
                {ASYNC_PATH: LongPollHandler()},
                default=SyncDjango(django_wsgi_app, threads=HTTP_THREADS),
            ),
            "websocket": SameOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    )
)

start_embedded_workers()
