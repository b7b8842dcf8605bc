"""Pages for dispatchers and coordinators: the call log, an intake's conversation, callbacks.

Caller numbers, texts and voicemails are shown only to dispatchers and coordinators, and every
view and use of them goes to the audit trail (and the "hotline.access" log). Twilio's webhooks
live in webhooks.py.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.services import Action, audit_record
from hotline import selectors, services
from hotline.forms import HandoffPartnerForm, PartnerWebhookForm, ReplyForm
from hotline.messaging import SmsError
from hotline.models import HandoffApiKey, HandoffPartner, HandoffWebhookEvent
from volunteers.roles import Role, role_required
from volunteers.selectors import volunteer_for_user

access_log = logging.getLogger("hotline.access")
logger = logging.getLogger(__name__)

RECORDING_TIMEOUT_SECONDS = 10


def _audit(request, action: str, subject: str, ids, what: str) -> None:
    audit_record(action=action, subject=subject, ids=ids, what=what, actor=request.user, path=request.path)


@require_GET
@never_cache
@role_required(Role.DISPATCHER)
def call_list(request):
    access_log.info("user=%s viewed the call log", request.user.pk)
    calls = list(selectors.recent_calls(limit=200))
    response = render(request, "hotline/call_list.html", {"calls": calls})
    if calls:
        _audit(request, Action.VIEWED, "hotline.call", [call.pk for call in calls], "call log")
    return response


def _own_phone(user) -> str:
    volunteer = volunteer_for_user(user)
    return str(volunteer.phone) if volunteer and volunteer.phone else ""


@require_GET
@never_cache
@role_required(Role.DISPATCHER)
def intake_detail(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    access_log.info("user=%s viewed intake %s", request.user.pk, intake.pk)
    _audit(request, Action.VIEWED, "hotline.intake", [intake.pk], "conversation page")
    context = {
        "intake": intake,
        "call": intake.call,
        "conversation": selectors.intake_messages(intake=intake),
        "callbacks": intake.callbacks.select_related("answered_by").order_by("-started_at"),
        "form": ReplyForm(),
        "own_phone": _own_phone(request.user),
        "cc": selectors.call_control_panel(intake=intake, user=request.user),
    }
    return render(request, "hotline/intake_detail.html", context)


@require_POST
@role_required(Role.DISPATCHER)
def intake_reply(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        access_log.info("user=%s viewed intake %s", request.user.pk, intake.pk)
        context = {
            "intake": intake,
            "call": intake.call,
            "conversation": selectors.intake_messages(intake=intake),
            "callbacks": intake.callbacks.select_related("answered_by").order_by("-started_at"),
            "form": form,
            "own_phone": _own_phone(request.user),
        }
        return render(request, "hotline/intake_detail.html", context, status=400)
    try:
        services.intake_reply(intake=intake, body=form.cleaned_data["body"])
    except SmsError as exc:
        logger.warning("Reply to intake %s failed: %s", intake.pk, exc)
        messages.error(request, _("The text could not be sent: %(reason)s") % {"reason": exc})
    else:
        access_log.info("user=%s texted intake %s", request.user.pk, intake.pk)
        _audit(request, Action.CHANGED, "hotline.intake", [intake.pk], "text sent to the caller")
        messages.success(request, _("Text sent."))
    return redirect(intake)


@require_POST
@role_required(Role.DISPATCHER)
def intake_callback(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    phone = _own_phone(request.user)
    if not phone:
        messages.error(request, _("Your volunteer profile has no phone number to ring."))
        return redirect(intake)
    try:
        services.callback_start(intake=intake, dispatcher_phone=phone, by=request.user)
    except SmsError as exc:
        logger.warning("Callback for intake %s failed: %s", intake.pk, exc)
        messages.error(request, _("The call could not be started: %(reason)s") % {"reason": exc})
    else:
        access_log.info("user=%s called back intake %s", request.user.pk, intake.pk)
        _audit(request, Action.CHANGED, "hotline.intake", [intake.pk], "call back started")
        messages.success(
            request,
            _("Your phone will ring from the hotline number. Answer it to be connected to the caller."),
        )
    return redirect(intake)


@require_GET
@never_cache
@role_required(Role.DISPATCHER)
def call_recording(request, pk: int):
    """Stream a voicemail from Twilio with the account's credentials (no public media links)."""
    call = selectors.call_get_for_dispatcher(user=request.user, pk=pk)
    url = services.twilio_recording_url(call.recording_url)
    if not url:
        raise Http404
    access_log.info("user=%s listened to the voicemail of call %s", request.user.pk, call.pk)
    _audit(request, Action.VIEWED, "hotline.call", [call.pk], "voicemail played")
    try:
        upstream = requests.get(
            url + ".mp3",
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            stream=True,
            timeout=RECORDING_TIMEOUT_SECONDS,
        )
        upstream.raise_for_status()
    except requests.RequestException as exc:
        logger.warning("Could not fetch the recording of call %s: %s", call.pk, exc)
        return HttpResponse(
            _("The recording could not be fetched from Twilio."), status=502, content_type="text/plain"
        )
    response = StreamingHttpResponse(upstream.iter_content(chunk_size=65536), content_type="audio/mpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="voicemail-{call.pk}.mp3"'
    return response


# --- hand-off API keys (coordinators) -------------------------------------------------------


def _handoff_keys_page(request, *, form=None, new_key: str = "", new_key_partner=None, status: int = 200):
    return render(
        request,
        "hotline/handoff_keys.html",
        {
            "partners": selectors.handoff_partners(),
            "form": form or HandoffPartnerForm(),
            "new_key": new_key,
            "new_key_partner": new_key_partner,
        },
        status=status,
    )


@require_GET
@never_cache
@role_required(Role.COORDINATOR)
def handoff_keys(request):
    return _handoff_keys_page(request)


@require_POST
@never_cache
@role_required(Role.COORDINATOR)
def handoff_partner_create(request):
    """Add a partner and issue its first key; the key is shown in this answer only."""
    form = HandoffPartnerForm(request.POST)
    if not form.is_valid():
        return _handoff_keys_page(request, form=form, status=400)
    partner = services.handoff_partner_create(**form.cleaned_data)
    _key, raw_key = services.handoff_key_issue(partner=partner, by=request.user)
    return _handoff_keys_page(request, new_key=raw_key, new_key_partner=partner)


@require_POST
@never_cache
@role_required(Role.COORDINATOR)
def handoff_key_issue(request, pk: int):
    """Issue a new key for a partner (revoking its old one); shown in this answer only."""
    partner = get_object_or_404(HandoffPartner, pk=pk)
    _key, raw_key = services.handoff_key_issue(partner=partner, by=request.user)
    return _handoff_keys_page(request, new_key=raw_key, new_key_partner=partner)


@require_POST
@role_required(Role.COORDINATOR)
def handoff_key_revoke(request, pk: int):
    key = get_object_or_404(HandoffApiKey, pk=pk)
    services.handoff_key_revoke(key=key)
    messages.success(request, _("The key of %(partner)s is revoked.") % {"partner": key.partner.name})
    return redirect("hotline:handoff_keys")


# --- partners' status webhooks (coordinators) -------------------------------------------------


def _webhooks_page(request, partner: HandoffPartner, *, form=None, new_secret: str | None = None, status=200):
    return render(
        request,
        "hotline/handoff_webhooks.html",
        {
            "partner": partner,
            "form": form or PartnerWebhookForm(initial={"webhook_url": partner.webhook_url}),
            "new_secret": new_secret,
            "log": selectors.partner_webhook_log(partner=partner),
            "alarm_after": settings.HANDOFF_WEBHOOK_ALARM_AFTER,
        },
        status=status,
    )


@require_GET
@never_cache
@role_required(Role.COORDINATOR)
def handoff_webhooks(request, pk: int):
    """A partner's status webhook: its URL, its secret (rotate), and the delivery log."""
    return _webhooks_page(request, get_object_or_404(HandoffPartner, pk=pk))


@require_POST
@never_cache
@role_required(Role.COORDINATOR)
def handoff_webhook_configure(request, pk: int):
    partner = get_object_or_404(HandoffPartner, pk=pk)
    form = PartnerWebhookForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(request, partner, form=form, status=400)
    partner, new_secret = services.partner_webhook_configure(
        partner=partner, url=form.cleaned_data["webhook_url"], by=request.user
    )
    if new_secret is None:
        messages.success(
            request, _("The status webhook of %(partner)s is saved.") % {"partner": partner.name}
        )
        return redirect("hotline:handoff_webhooks", pk=partner.pk)
    return _webhooks_page(request, partner, new_secret=new_secret)


@require_POST
@never_cache
@role_required(Role.COORDINATOR)
def handoff_webhook_secret_rotate(request, pk: int):
    """A new signing secret, shown in this answer only; the old one stops signing at once."""
    partner = get_object_or_404(HandoffPartner, pk=pk)
    new_secret = services.partner_webhook_secret_rotate(partner=partner, by=request.user)
    return _webhooks_page(request, partner, new_secret=new_secret)


@require_POST
@never_cache
@role_required(Role.COORDINATOR)
def handoff_webhook_event_resend(request, pk: int):
    """Send a failed event again (the same event id: the partner's receiver dedupes on it)."""
    event = get_object_or_404(HandoffWebhookEvent, pk=pk)
    if event.status != HandoffWebhookEvent.Status.FAILED:
        messages.error(request, _("Only a failed event can be sent again."))
    else:
        services.webhook_event_resend(event=event, by=request.user)
        messages.success(request, _("The event is sent again."))
    return redirect("hotline:handoff_webhooks", pk=event.partner_id)
