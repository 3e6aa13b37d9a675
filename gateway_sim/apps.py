from django.apps import AppConfig


class GatewaySimConfig(AppConfig):
    name = "gateway_sim"
    verbose_name = "Chat Gateway Sandbox"
