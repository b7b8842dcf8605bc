"""Answering hotline calls in the browser: the console's softphone (Twilio Voice JavaScript SDK).

A dispatcher opts in (`Volunteer.answers_in_browser`). Their open console then asks for a
short-lived access token (`softphone_token`: a VoiceGrant for incoming calls, the identity an
opaque HMAC of the user id, never the name or number), checks the microphone, registers with
Twilio and says so (`softphone_presence_set`, renewed with every token). While it is ready,
`ring_dispatchers` rings the browser as a `<Client>` in the same `<Dial>` as the phones: the
first to answer takes the call. A console without a microphone, or that cannot reach Twilio,
says it is not ready and the dispatcher is rung on their phone only.

Off unless TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID
are all set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from audit.services import Action, audit_record
from volunteers.models import Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import on_shift_now, volunteer_for_user

IDENTITY_PREFIX = "dispatcher-"
# A ready browser stays rung this long after its last token, unless it says otherwise first:
# the console renews its token (and its presence) before the token expires.
READY_GRACE = timedelta(seconds=60)


class SoftphoneRefused(Exception):
    """No token for this user; `reason` is a stable code the console shows a message for."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SoftphoneToken:
    jwt: str
    identity: str
    ttl: int


def softphone_enabled() -> bool:
    return all(
        (
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_API_KEY_SID,
            settings.TWILIO_API_KEY_SECRET,
            settings.TWILIO_TWIML_APP_SID,
        )
    )


def client_identity(*, user_id: int) -> str:
    """The browser's Twilio client name: stable per user, meaningless outside this server."""
    digest = salted_hmac("hotline.softphone.identity", str(user_id), algorithm="sha256").hexdigest()
    return IDENTITY_PREFIX + digest[:24]


def softphone_volunteer(*, user) -> Volunteer:
    """The dispatcher's volunteer record if they may have a token now, else SoftphoneRefused.

    Signed in, holding the dispatcher role, past the second factor (when it is required), opted
    in, and on a dispatcher shift at this moment.
    """
    if not softphone_enabled():
        raise SoftphoneRefused("unconfigured")
    if not getattr(user, "is_authenticated", False):
        raise SoftphoneRefused("signed_out")
    if not has_role(user, Role.DISPATCHER):
        raise SoftphoneRefused("not_dispatcher")
    if settings.TWO_FACTOR_REQUIRED and not (hasattr(user, "is_verified") and user.is_verified()):
        raise SoftphoneRefused("second_factor")
    volunteer = volunteer_for_user(user)
    if volunteer is None or not volunteer.answers_in_browser:
        raise SoftphoneRefused("not_opted_in")
    if volunteer.pk not in {v.pk for v in on_shift_now("dispatcher")}:
        raise SoftphoneRefused("not_on_shift")
    return volunteer


def softphone_token(*, user, path: str = "") -> SoftphoneToken:
    """A fresh access token for the user's browser (audited), or SoftphoneRefused."""
    volunteer = softphone_volunteer(user=user)
    identity = client_identity(user_id=user.pk)
    ttl = max(60, int(settings.SOFTPHONE_TOKEN_TTL_SECONDS))
    token = AccessToken(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_API_KEY_SID,
        settings.TWILIO_API_KEY_SECRET,
        identity=identity,
        ttl=ttl,
    )
    # The console only receives calls; the TwiML App is named because Twilio ties the grant to it.
    token.add_grant(VoiceGrant(outgoing_application_sid=settings.TWILIO_TWIML_APP_SID, incoming_allow=True))
    audit_record(
        action=Action.CREATED,
        subject="hotline.softphone_token",
        ids=[volunteer.pk],
        what="softphone: access token issued",
        actor=user,
        path=path,
    )
    return SoftphoneToken(jwt=token.to_jwt(), identity=identity, ttl=ttl)


def softphone_opt_in_set(*, volunteer: Volunteer, on: bool, by) -> Volunteer:
    """Turn answering in the browser on or off for a dispatcher (off also stops ringing it)."""
    with transaction.atomic():
        volunteer.answers_in_browser = on
        fields = ["answers_in_browser"]
        if not on:
            volunteer.browser_ready_until = None
            fields.append("browser_ready_until")
        volunteer.save(update_fields=fields)
        audit_record(
            action=Action.CHANGED,
            subject=Volunteer,
            ids=[volunteer.pk],
            what=f"softphone: answering in the browser {'on' if on else 'off'}",
            actor=by,
            fields=["answers_in_browser"],
        )
    return volunteer


def softphone_presence_set(*, volunteer: Volunteer, ready: bool) -> Volunteer:
    """The console registered with Twilio (ready) or cannot take calls (no microphone, cannot
    connect, closed): ring the browser until the token's end, or from now on the phone only."""
    until = timezone.now() + timedelta(seconds=settings.SOFTPHONE_TOKEN_TTL_SECONDS) + READY_GRACE
    Volunteer.objects.filter(pk=volunteer.pk).update(browser_ready_until=until if ready else None)
    volunteer.browser_ready_until = until if ready else None
    return volunteer


def browser_ready(volunteer: Volunteer, *, now=None) -> bool:
    """Whether to ring this (on-shift) dispatcher's browser now."""
    now = now or timezone.now()
    ready_until = getattr(volunteer, "browser_ready_until", None)
    return bool(
        softphone_enabled()
        and volunteer.user_id
        and getattr(volunteer, "answers_in_browser", False)
        and ready_until is not None
        and ready_until > now
    )


def softphone_panel(*, user) -> dict | None:
    """What the console's softphone panel shows the user: None when the softphone is off or
    the user has no volunteer record (nothing to opt in)."""
    if not softphone_enabled():
        return None
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        return None
    on_shift = volunteer.pk in {v.pk for v in on_shift_now("dispatcher")}
    return {"opted_in": volunteer.answers_in_browser, "on_shift": on_shift}
