"""Pages of the agent desktop: sign in (or create an agent), the desk, file uploads and files."""

from django.urls import URLPattern, URLResolver, path

from conversations.desk import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/", views.desk_index, name="desk-index"),
    path("desk/<str:tenant_id>/agents", views.desk_agent_create, name="desk-agent-create"),
    path("desk/<str:tenant_id>/<str:agent_id>/", views.desk_page, name="desk-page"),
    path(
        "desk/<str:tenant_id>/<str:agent_id>/conversations/<str:conversation_id>/attachments",
        views.desk_upload,
        name="desk-upload",
    ),
    path(
        "desk/<str:tenant_id>/<str:agent_id>/conversations/<str:conversation_id>/attachments/<str:attachment_id>",
        views.desk_file,
        name="desk-file",
    ),
]
