"""URLs of lessons learned and the steering committee, included in assessment/urls.py."""

from django.urls import path

from assessment.programme import views

urlpatterns = [
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:pk>/", views.lessons_review, name="lessons_review"),
    path("lessons/<int:pk>/findings/", views.lessons_finding_add, name="lessons_finding_add"),
    path("lessons/<int:pk>/decision/", views.lessons_decide, name="lessons_decide"),
    path("steering/", views.steering, name="steering"),
    path("steering/meetings/new/", views.steering_meeting_edit, name="steering_meeting_create"),
    path("steering/meetings/<int:pk>/", views.steering_meeting, name="steering_meeting"),
    path("steering/meetings/<int:pk>/edit/", views.steering_meeting_edit, name="steering_meeting_edit"),
    path("steering/meetings/<int:pk>/decisions/", views.steering_decision_add, name="steering_decision_add"),
    path("steering/meetings/<int:pk>/actions/", views.steering_action_add, name="steering_action_add"),
    path("steering/actions/<int:pk>/done/", views.steering_action_done, name="steering_action_done"),
]
