"""URLs of the hotline app. The webhook paths are configured in Twilio's console: keep them stable."""

from django.urls import path

from hotline import views, webhooks

app_name = "hotline"

urlpatterns = [
    # Twilio webhooks (POST, signed).
    path("voice/incoming/", webhooks.voice_incoming, name="voice_incoming"),
    path("voice/language/", webhooks.voice_language, name="voice_language"),
    path("voice/screen/", webhooks.voice_screen, name="voice_screen"),
    path("voice/dial-status/", webhooks.voice_dial_status, name="voice_dial_status"),
    path("voice/voicemail/", webhooks.voice_voicemail, name="voice_voicemail"),
    path("voice/status/", webhooks.voice_status, name="voice_status"),
    path("voice/recording/", webhooks.voice_recording, name="voice_recording"),
    path("voice/callback/", webhooks.voice_callback, name="voice_callback"),
    path("voice/evidence/", webhooks.voice_evidence, name="voice_evidence"),
    path("sms/incoming/", webhooks.sms_incoming, name="sms_incoming"),
    path("sms/status/", webhooks.sms_status, name="sms_status"),
    # Pages for dispatchers and coordinators.
    path("calls/", views.call_list, name="call_list"),
    path("calls/<int:pk>/recording/", views.call_recording, name="call_recording"),
    path("intakes/<int:pk>/", views.intake_detail, name="intake_detail"),
    path("intakes/<int:pk>/reply/", views.intake_reply, name="intake_reply"),
    path("intakes/<int:pk>/callback/", views.intake_callback, name="intake_callback"),
    # Coordinators: API keys of the partners that hand contacts over (/api/v1/handoffs/).
    path("handoff-keys/", views.handoff_keys, name="handoff_keys"),
    path("handoff-keys/partners/", views.handoff_partner_create, name="handoff_partner_create"),
    path("handoff-keys/partners/<int:pk>/issue/", views.handoff_key_issue, name="handoff_key_issue"),
    path("handoff-keys/<int:pk>/revoke/", views.handoff_key_revoke, name="handoff_key_revoke"),
]
