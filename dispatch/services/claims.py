"""Claims: which dispatcher holds an intake for triage, so two dispatchers never triage one.

A claim is taken, released or handed over by conditional updates on `Triage.claimed_by`, so
exactly one dispatcher wins a race. Looking at an intake is recorded in the audit trail here
too (`intake_view_record`). Called by the intake views (claim, release, hand over, the intake
and triage pages), the demo data and the test factories; `triage` checks the claim before it
saves answers or a decision.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record
from dispatch.models import Triage
from dispatch.selectors import current_protocol
from hotline import services as hotline_services
from hotline.models import PARTNER_SOURCES, Intake
from volunteers.roles import Role, has_role

from ._common import DispatchError


class ClaimTaken(DispatchError):
    def __init__(self, holder) -> None:
        name = (holder.get_full_name() or holder.get_username()) if holder else _("another dispatcher")
        super().__init__(_("%(name)s is already triaging this intake.") % {"name": name})
        self.holder = holder


def triage_claim(*, intake: Intake, user) -> Triage:
    """Take the intake for triage. Exactly one dispatcher wins a race (conditional update)."""
    if not has_role(user, Role.DISPATCHER):
        raise DispatchError(_("Only dispatchers can triage intakes."))
    if intake.status not in Intake.OPEN_STATUSES:
        raise DispatchError(_("This intake is closed."))
    triage, _created = Triage.objects.get_or_create(
        intake=intake,
        defaults={
            "protocol": current_protocol(),
            "language": intake.language,
            "area_id": intake.area_id,
            "location": intake.location,
        },
    )
    now = timezone.now()
    with transaction.atomic():
        claimed = Triage.objects.filter(pk=triage.pk, claimed_by__isnull=True, decision="").update(
            claimed_by=user, claimed_at=now, status_before_claim=intake.status
        )
        moved = claimed and Intake.objects.filter(
            pk=intake.pk, status__in=(Intake.Status.NEW, Intake.Status.NEEDS_CALLBACK)
        ).update(status=Intake.Status.IN_TRIAGE)
        if moved and intake.source in PARTNER_SOURCES:  # handed over by a partner: it hears of it
            hotline_services.handoff_status_changed(intake_id=intake.pk)
    triage.refresh_from_db()
    if triage.claimed_by_id == user.pk and not triage.decision:
        return triage
    if triage.decision:
        raise DispatchError(_("This intake has already been triaged."))
    raise ClaimTaken(triage.claimed_by)


def _release_filter(*, triage: Triage, user) -> Q:
    """Coordinators may release or hand over anybody's claim; dispatchers only their own."""
    condition = Q(pk=triage.pk, decision="", claimed_by__isnull=False)
    if not has_role(user, Role.COORDINATOR):
        condition &= Q(claimed_by=user)
    return condition


def triage_release(*, triage: Triage, user) -> None:
    """Give the intake back to the queue, answers kept."""
    with transaction.atomic():
        released = Triage.objects.filter(_release_filter(triage=triage, user=user)).update(
            claimed_by=None, claimed_at=None
        )
        if not released:
            raise DispatchError(_("You do not hold this intake."))
        if Intake.objects.filter(pk=triage.intake_id, status=Intake.Status.IN_TRIAGE).update(
            status=triage.status_before_claim or Intake.Status.NEW
        ):
            hotline_services.handoff_status_changed(intake_id=triage.intake_id)
    triage.refresh_from_db()


def triage_hand_over(*, triage: Triage, user, to) -> None:
    """Pass the claim to another dispatcher, answers kept."""
    if to is None or not to.is_active or not has_role(to, Role.DISPATCHER):
        raise DispatchError(_("Intakes can only be handed to an active dispatcher."))
    updated = Triage.objects.filter(_release_filter(triage=triage, user=user)).update(
        claimed_by=to, claimed_at=timezone.now()
    )
    if not updated:
        raise DispatchError(_("You do not hold this intake."))
    triage.refresh_from_db()


def intake_view_record(*, intake: Intake, user, path: str = "") -> AuditEntry:
    """Record in the audit trail that `user` looked at the intake (the access log of caller data)."""
    return audit_record(
        action=AuditEntry.Action.VIEWED,
        subject=Intake,
        ids=[intake.pk],
        what="intake page",
        actor=user,
        path=path,
    )
