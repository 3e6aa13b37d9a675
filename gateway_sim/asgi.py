"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

from gateway_sim.env import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gateway_sim.settings")
settings_or_exit()
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from conversations.ws_routing import websocket_urlpatterns  # noqa: E402
from gateway_sim.runtime import start_embedded_workers  # noqa: E402
from gateway_sim.ws_security import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

start_embedded_workers()
