"""Referrals: closing the loop with the partner a person was referred to.

The partner says what became of a referral, through a signed link (no account; `referral_token`
with a maximum age, DISPATCH_REFERRAL_LINK_MAX_AGE) or the API: accepted, then the person
connected, or declined, or unreachable. Each step keeps its date; a closed referral (connected,
declined, unreachable) does not change again. Called by the partner's confirmation page.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Referral

from ._common import DispatchError

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
