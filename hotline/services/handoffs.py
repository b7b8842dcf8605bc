"""Hand-offs: 911, 311 and partner services pass a person on to the hotline through the API.

Partners and their API keys are managed by coordinators (`hotline.views`); `hotline.api`
authenticates a request's key and opens the hand-off's intake, once per partner reference.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from hotline.models import PARTNER_SOURCES, Handoff, HandoffApiKey, HandoffPartner, Intake
from hotline.services.intakes import intake_open

API_KEY_PREFIX = "hv_"


def _key_hash(secret: str) -> str:
    # Keys are 256 random bits, so a plain SHA-256 is as good as a slow password hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


def handoff_partner_create(*, name: str, source: str) -> HandoffPartner:
    if source not in [s.value for s in PARTNER_SOURCES]:
        raise ValueError(f"unknown partner source {source!r}")
    with transaction.atomic():
        return HandoffPartner.objects.create(name=name, source=source)


def handoff_key_issue(*, partner: HandoffPartner, by) -> tuple[HandoffApiKey, str]:
    """A new API key for the partner, revoking the one in force. Returns the key and its
    full text, which is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        HandoffPartner.objects.select_for_update().get(pk=partner.pk)
        HandoffApiKey.objects.filter(partner=partner, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        key = HandoffApiKey.objects.create(
            partner=partner, prefix=prefix, key_hash=_key_hash(secret), created_by=by
        )
    return key, f"{API_KEY_PREFIX}{prefix}_{secret}"


def handoff_key_revoke(*, key: HandoffApiKey) -> HandoffApiKey:
    if key.revoked_at is None:
        HandoffApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        key.refresh_from_db(fields=["revoked_at"])
    return key


def handoff_key_authenticate(*, raw_key: str) -> HandoffApiKey | None:
    """The key in force that `raw_key` is, or None (unknown, malformed or revoked)."""
    prefix, _sep, secret = raw_key.removeprefix(API_KEY_PREFIX).partition("_")
    key = (
        HandoffApiKey.objects.select_related("partner").filter(prefix=prefix, revoked_at__isnull=True).first()
        if raw_key.startswith(API_KEY_PREFIX) and prefix and secret
        else None
    )
    expected = key.key_hash if key is not None else _key_hash("no such key")
    if not hmac.compare_digest(expected, _key_hash(secret)) or key is None:
        return None
    HandoffApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


HANDOFF_SUMMARY = gettext_noop("Hand-off from %(partner)s (their reference %(reference)s): %(call_type)s")


def handoff_receive(
    *,
    partner: HandoffPartner,
    reference: str,
    call_type: str,
    location: str = "",
    area=None,
    language: str = "",
    callback_number: str = "",
    notes: str = "",
) -> tuple[Handoff, bool]:
    """Open an intake for a partner's hand-off, once per partner reference.

    Returns (hand-off, created). A retry, even concurrent with the first request, gets the
    hand-off already stored: the unique (partner, reference) constraint decides the winner.
    """
    existing = Handoff.objects.select_related("intake").filter(partner=partner, reference=reference).first()
    if existing is not None:
        return existing, False
    with translation.override(settings.LANGUAGE_CODE):
        summary = gettext(HANDOFF_SUMMARY) % {
            "partner": partner.name,
            "reference": reference,
            "call_type": call_type,
        }
    if notes:
        summary = f"{summary}\n\n{notes}"
    try:
        with transaction.atomic():
            intake = intake_open(
                channel=Intake.Channel.VOICE,
                caller=callback_number,
                language=language,
                area=area,
                location=location,
                summary=summary,
                source=partner.source,
            )
            handoff = Handoff.objects.create(
                partner=partner,
                reference=reference,
                intake=intake,
                call_type=call_type,
                callback_number=callback_number,
                notes=notes,
            )
    except IntegrityError:
        existing = (
            Handoff.objects.select_related("intake").filter(partner=partner, reference=reference).first()
        )
        if existing is None:
            raise
        return existing, False
    return handoff, True


def handoff_record_progress(
    *,
    intake_id: int,
    decision: str | None = None,
    decided_at: datetime | None = None,
    outcome: str | None = None,
    closed_at: datetime | None = None,
) -> int:
    """Keep what became of a handed-over contact (dispatch calls this inside its own
    transaction, so the progress commits with the change). A contact that was not handed over
    by API is left alone; returns the number of hand-offs updated (0 or 1)."""
    fields = {
        name: value
        for name, value in (
            ("decision", decision),
            ("decided_at", decided_at),
            ("outcome", outcome),
            ("closed_at", closed_at),
        )
        if value is not None
    }
    if not fields:
        return 0
    updated = Handoff.objects.filter(intake_id=intake_id).update(**fields)
    if updated:
        handoff_status_changed(intake_id=intake_id)
    return updated


def handoff_status_changed(*, intake_id: int) -> bool:
    """A handed-over contact changed (its intake's status, or the progress above): write the
    partner's status webhook event in the caller's transaction (services.partner_webhooks).
    Returns whether an event was written; a contact not handed over by API is left alone."""
    from hotline.services.partner_webhooks import handoff_webhook_notify

    with transaction.atomic():
        handoff = (
            Handoff.objects.select_related("partner", "intake")
            .select_for_update(of=("self",))
            .filter(intake_id=intake_id)
            .first()
        )
        if handoff is None or not handoff.partner.webhook_url:
            return False
        return handoff_webhook_notify(handoff=handoff) is not None


def handoff_status_data(handoff: Handoff) -> dict:
    """What became of a handed-over contact, as GET /api/v1/handoffs/{id}/ and the status
    webhooks show it: codes and times only, never the notes or the caller."""

    def at(value):
        return value.isoformat() if value else None

    return {
        "id": handoff.intake_id,
        "reference": handoff.reference,
        "status": handoff.intake.status,
        "decision": handoff.decision or None,
        "outcome": handoff.outcome or None,
        "created_at": at(handoff.created_at),
        "decided_at": at(handoff.decided_at),
        "closed_at": at(handoff.closed_at),
    }
