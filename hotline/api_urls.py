"""URLs of the hand-off API, mounted at /api/v1/ (keep them stable: partners integrate with them)."""

from django.urls import path, re_path

from hotline import api

app_name = "api"

urlpatterns = [
    path("handoffs/", api.handoff_create, name="handoff_create"),
    path("handoffs/<int:pk>/", api.handoff_detail, name="handoff_detail"),
    path("openapi.json", api.openapi, name="openapi"),
    # Anything else under /api/ is a JSON 404, like every other API error.
    re_path(r"^.*$", api.not_found),
]
