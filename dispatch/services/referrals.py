"""Referrals: closing the loop with the partner a person was referred to.

The partner says what became of a referral, through a signed link (no account; `referral_token`
with a maximum age, DISPATCH_REFERRAL_LINK_MAX_AGE) or the API: accepted, then the person
connected, or declined, or unreachable. Each step keeps its date; a closed referral (connected,
declined, unreachable) does not change again. Called by the partner's confirmation page and
dispatch.api; `referral_api_link` lets a directory partner use a hand-off partner's API key.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import Action, audit_record
from dispatch.models import Referral, ReferralApiPartner
from hotline.signatures import public_url

from ._common import DispatchError

logger = logging.getLogger(__name__)

_SALT = "dispatch.referral-confirmation"

# From each status, the statuses a partner may move a referral to.
REFERRAL_MOVES: dict[str, tuple[str, ...]] = {
    Referral.Status.MADE: (
        Referral.Status.ACCEPTED,
        Referral.Status.CONNECTED,
        Referral.Status.DECLINED,
        Referral.Status.UNREACHABLE,
    ),
    Referral.Status.ACCEPTED: (Referral.Status.CONNECTED, Referral.Status.UNREACHABLE),
}


def referral_token(*, referral: Referral) -> str:
    return signing.dumps({"r": referral.pk}, salt=_SALT, compress=True)


def referral_from_token(token: str) -> Referral | None:
    """The referral a partner's link names, or None when forged or expired."""
    max_age = getattr(settings, "DISPATCH_REFERRAL_LINK_MAX_AGE", 60 * 60 * 24 * 30)
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return Referral.objects.select_related("partner", "service_type").filter(pk=data.get("r")).first()


def referral_confirm(*, referral: Referral, status: str, via: str) -> Referral:
    """The partner's word on a referral; refuses a move its current status does not allow."""
    now = timezone.now()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status == status:
            return locked  # a repeated click or API retry changes nothing
        if status not in REFERRAL_MOVES.get(locked.status, ()):
            raise DispatchError(_("This referral can no longer be changed that way."))
        locked.status = status
        locked.confirmed_via = via[:8]
        if status in (Referral.Status.ACCEPTED, Referral.Status.CONNECTED):
            locked.accepted_at = locked.accepted_at or now
        if status == Referral.Status.CONNECTED:
            locked.connected_at = now
        if status in (Referral.Status.DECLINED, Referral.Status.UNREACHABLE):
            locked.ended_at = now
        locked.save(update_fields=["status", "confirmed_via", "accepted_at", "connected_at", "ended_at"])
    referral.refresh_from_db()
    return referral


def referral_confirm_url(*, referral: Referral) -> str:
    return public_url(reverse("dispatch:referral_confirm", args=[referral_token(referral=referral)]))


def _partner_address(partner) -> str:
    return partner.contact_email or partner.email


def referral_remind(*, referral_id: int, now: datetime | None = None) -> bool:
    """Email the partner's contact about a referral still unconfirmed, at most once: the row
    is claimed (`reminded_at`) by a conditional update before the email goes out, and the claim
    is given back if sending fails, so a later sweep tries again."""
    now = now or timezone.now()
    claimed = Referral.objects.filter(
        pk=referral_id, status=Referral.Status.MADE, reminded_at__isnull=True
    ).update(reminded_at=now)
    if claimed != 1:
        return False
    referral = Referral.objects.select_related("partner", "service_type").get(pk=referral_id)
    address = _partner_address(referral.partner)
    if not address:
        return False  # nobody to remind; the claim stays so the sweep does not retry forever
    with translation.override(settings.LANGUAGE_CODE):
        context = {"referral": referral, "url": referral_confirm_url(referral=referral)}
        subject = _("Referral R-%(pk)s: did the person reach you?") % {"pk": referral.pk}
        body = render_to_string("dispatch/email/referral_reminder.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        logger.exception("referral reminder %s not sent", referral_id)
        Referral.objects.filter(pk=referral_id, reminded_at=now).update(reminded_at=None)
        raise
    return True


def referral_reminders_due(*, now: datetime | None = None) -> list[int]:
    """Referrals unconfirmed for DISPATCH_REFERRAL_REMINDER_DAYS and not yet reminded."""
    now = now or timezone.now()
    days = getattr(settings, "DISPATCH_REFERRAL_REMINDER_DAYS", 3)
    return list(
        Referral.objects.filter(
            status=Referral.Status.MADE, reminded_at__isnull=True, created_at__lte=now - timedelta(days=days)
        ).values_list("pk", flat=True)[:500]
    )


def referral_api_link(*, handoff_partner, partner, by) -> ReferralApiPartner:
    """Let `partner` (the directory) confirm its referrals with `handoff_partner`'s API key."""
    with transaction.atomic():
        if ReferralApiPartner.objects.filter(handoff_partner=handoff_partner).exists():
            raise DispatchError(_("This API key already answers for another partner."))
        if ReferralApiPartner.objects.filter(partner=partner).exists():
            raise DispatchError(_("This partner already confirms referrals with another API key."))
        link = ReferralApiPartner.objects.create(handoff_partner=handoff_partner, partner=partner)
        audit_record(
            action=Action.CREATED,
            subject=ReferralApiPartner,
            ids=[link.pk],
            what="referral API access given",
            actor=by,
        )
    return link


def referral_api_unlink(*, link: ReferralApiPartner, by) -> None:
    with transaction.atomic():
        audit_record(
            action=Action.DELETED,
            subject=ReferralApiPartner,
            ids=[link.pk],
            what="referral API access removed",
            actor=by,
        )
        link.delete()
