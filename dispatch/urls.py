from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.console, name="console"),
    path("queue/", views.queue, name="queue"),
    path("intakes/<int:pk>/", views.intake, name="intake"),
    path("intakes/<int:pk>/claim/", views.intake_claim, name="intake_claim"),
    path("intakes/<int:pk>/release/", views.intake_release, name="intake_release"),
    path("intakes/<int:pk>/hand-over/", views.intake_hand_over, name="intake_hand_over"),
    path("intakes/<int:pk>/recommendation/", views.intake_recommendation, name="intake_recommendation"),
    path("intakes/<int:pk>/candidates/", views.intake_candidates, name="intake_candidates"),
    path("intakes/<int:pk>/decide/", views.intake_decide, name="intake_decide"),
    path("partners/", views.partners, name="partners"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("follow-ups/<int:pk>/claim/", views.follow_up_claim, name="follow_up_claim"),
    path("follow-ups/<int:pk>/release/", views.follow_up_release, name="follow_up_release"),
    path("follow-ups/<int:pk>/call/", views.follow_up_call, name="follow_up_call"),
    path("follow-ups/<int:pk>/text/", views.follow_up_text, name="follow_up_text"),
    path("follow-ups/<int:pk>/result/", views.follow_up_result, name="follow_up_result"),
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
    path("notifications/<int:pk>/resend/", views.notification_resend, name="notification_resend"),
    path("referrals/<str:token>/", views.referral_confirm, name="referral_confirm"),
    path("r/<str:token>/", views.responder, name="responder"),
    path("r/<str:token>/act/", views.responder_action, name="responder_action"),
    path("my-incidents/", views.my_incidents, name="my_incidents"),
    path("my-incidents/field-contact/", views.field_contact, name="field_contact"),
    path("protocol/", views.protocol, name="protocol"),
    path("protocol/edit/", views.protocol_edit, name="protocol_edit"),
    path("protocol/v<int:number>/", views.protocol_version, name="protocol_version"),
]
