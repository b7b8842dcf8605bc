from django.urls import path

from dispatch import debrief_views, views

app_name = "dispatch"

urlpatterns = [
    path("", views.console, name="console"),
    path("queue/", views.queue, name="queue"),
    path("history/", views.history, name="history"),
    path("intakes/<int:pk>/", views.intake, name="intake"),
    path("intakes/<int:pk>/claim/", views.intake_claim, name="intake_claim"),
    path("intakes/<int:pk>/release/", views.intake_release, name="intake_release"),
    path("intakes/<int:pk>/hand-over/", views.intake_hand_over, name="intake_hand_over"),
    path("intakes/<int:pk>/recommendation/", views.intake_recommendation, name="intake_recommendation"),
    path("intakes/<int:pk>/candidates/", views.intake_candidates, name="intake_candidates"),
    path("intakes/<int:pk>/decide/", views.intake_decide, name="intake_decide"),
    path("partners/", views.partners, name="partners"),
    path("incidents/<int:pk>/", views.incident, name="incident"),
    path("incidents/<int:pk>/live/", views.incident_live, name="incident_live"),
    path("incidents/<int:pk>/status/", views.incident_status, name="incident_status"),
    path("incidents/<int:pk>/note/", views.incident_note, name="incident_note"),
    path("incidents/<int:pk>/outcome/", views.incident_outcome, name="incident_outcome"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident_close"),
    path("incidents/<int:pk>/cancel/", views.incident_cancel, name="incident_cancel"),
    path("incidents/<int:pk>/notify/", views.incident_notify_more, name="incident_notify_more"),
    path("incidents/<int:pk>/hand-pick/", views.incident_hand_pick, name="incident_hand_pick"),
    path("incidents/<int:pk>/renotify/", views.incident_renotify, name="incident_renotify"),
    path("incidents/<int:pk>/widen/", views.incident_widen, name="incident_widen"),
    path(
        "incidents/<int:pk>/change-decision/", views.incident_change_decision, name="incident_change_decision"
    ),
    path("alarms/<int:pk>/acknowledge/", views.alarm_acknowledge, name="alarm_acknowledge"),
    path("alarms/<int:pk>/resolve/", views.alarm_resolve, name="alarm_resolve"),
    path("alarms/<int:pk>/voice/", views.alarm_voice, name="alarm_voice"),
    path("incidents/<int:pk>/debrief/", debrief_views.debrief, name="debrief"),
    path("incidents/<int:pk>/critical/", debrief_views.incident_flag_critical, name="incident_flag_critical"),
    path("wellbeing/", debrief_views.wellbeing, name="wellbeing"),
    path("wellbeing/check-ins/<int:pk>/done/", debrief_views.check_in_done, name="check_in_done"),
    path("notifications/<int:pk>/resend/", views.notification_resend, name="notification_resend"),
    path("r/<str:token>/", views.responder, name="responder"),
    path("r/<str:token>/act/", views.responder_action, name="responder_action"),
    path("r/<str:token>/location/", views.responder_location, name="responder_location"),
    path("my-incidents/", views.my_incidents, name="my_incidents"),
    path("my-incidents/field-contact/", views.field_contact, name="field_contact"),
    path("protocol/", views.protocol, name="protocol"),
    path("protocol/edit/", views.protocol_edit, name="protocol_edit"),
    path("protocol/v<int:number>/", views.protocol_version, name="protocol_version"),
]
