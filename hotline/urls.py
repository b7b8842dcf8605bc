"""URLs of the hotline app. The webhook paths are configured in Twilio's console: keep them stable."""

from django.urls import path

from hotline import softphone_views, views, views_call_control, webhooks, webhooks_call_control

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
    path(
        "voice/conference-status/",
        webhooks_call_control.voice_conference_status,
        name="voice_conference_status",
    ),
    path("voice/transfer-status/", webhooks_call_control.voice_transfer_status, name="voice_transfer_status"),
    path("voice/hold/", webhooks_call_control.voice_hold, name="voice_hold"),
    path("voice/return/", webhooks_call_control.voice_return, name="voice_return"),
    path("voice/return/screen/", webhooks_call_control.voice_return_screen, name="voice_return_screen"),
    path("voice/return/dial-status/", webhooks_call_control.voice_return_status, name="voice_return_status"),
    path("voice/evidence/", webhooks.voice_evidence, name="voice_evidence"),
    path("sms/incoming/", webhooks.sms_incoming, name="sms_incoming"),
    path("sms/status/", webhooks.sms_status, name="sms_status"),
    # Pages for dispatchers and coordinators.
    path("calls/", views.call_list, name="call_list"),
    path("calls/<int:pk>/recording/", views.call_recording, name="call_recording"),
    path("intakes/<int:pk>/", views.intake_detail, name="intake_detail"),
    path("intakes/<int:pk>/reply/", views.intake_reply, name="intake_reply"),
    path("intakes/<int:pk>/callback/", views.intake_callback, name="intake_callback"),
    # Call control on a live call (the intake page's panel).
    path("intakes/<int:pk>/call/transfer/", views_call_control.call_transfer, name="call_transfer"),
    path("intakes/<int:pk>/call/hold/", views_call_control.call_hold, name="call_hold"),
    path("intakes/<int:pk>/call/leave/", views_call_control.call_leave, name="call_leave"),
    path("intakes/<int:pk>/call/listen/", views_call_control.call_listen, name="call_listen"),
    # Coordinators: API keys of the partners that hand contacts over (/api/v1/handoffs/).
    path("handoff-keys/", views.handoff_keys, name="handoff_keys"),
    path("handoff-keys/partners/", views.handoff_partner_create, name="handoff_partner_create"),
    path("handoff-keys/partners/<int:pk>/issue/", views.handoff_key_issue, name="handoff_key_issue"),
    path("handoff-keys/<int:pk>/revoke/", views.handoff_key_revoke, name="handoff_key_revoke"),
    # Coordinators: a partner's status webhook and its delivery log.
    path("handoff-keys/partners/<int:pk>/webhook/", views.handoff_webhooks, name="handoff_webhooks"),
    path(
        "handoff-keys/partners/<int:pk>/webhook/set/",
        views.handoff_webhook_configure,
        name="handoff_webhook_configure",
    ),
    path(
        "handoff-keys/partners/<int:pk>/webhook/rotate/",
        views.handoff_webhook_secret_rotate,
        name="handoff_webhook_secret_rotate",
    ),
    path(
        "handoff-keys/webhook-events/<int:pk>/resend/",
        views.handoff_webhook_event_resend,
        name="handoff_webhook_event_resend",
    ),
    # The console's softphone (answering calls in the browser): token and presence JSON, opt-in.
    path("softphone/token/", softphone_views.token, name="softphone_token"),
    path("softphone/presence/", softphone_views.presence, name="softphone_presence"),
    path("softphone/opt-in/", softphone_views.opt_in, name="softphone_opt_in"),
]
