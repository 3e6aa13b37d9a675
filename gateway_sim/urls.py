from django.urls import path

from gateway_sim import views

urlpatterns = [
    path("", views.home, name="home"),
]
