"""URLs of the roadmap and readiness pages, included in assessment/urls.py (namespace "assessment")."""

from django.urls import path

from assessment.readiness import views

urlpatterns = [
    path("readiness/", views.readiness, name="readiness"),
    path("readiness/test-call/", views.test_call, name="readiness_test_call"),
    path("readiness/approve-protocol/", views.protocol_approve, name="readiness_protocol_approve"),
    path("roadmap/", views.roadmap, name="roadmap"),
    path("roadmap/phases/<int:pk>/", views.phase_edit, name="roadmap_phase_edit"),
    path(
        "roadmap/phases/<int:phase_pk>/milestones/new/", views.milestone_edit, name="roadmap_milestone_create"
    ),
    path(
        "roadmap/phases/<int:phase_pk>/milestones/<int:pk>/",
        views.milestone_edit,
        name="roadmap_milestone_edit",
    ),
]
