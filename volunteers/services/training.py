"""Training sessions and completions: registering, attendance, recorded completions, expiry reminders."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from volunteers.models import (
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
)
from volunteers.selectors import completions_expiring, module_requirements

from ._common import VolunteerError, _notify

logger = logging.getLogger(__name__)


def training_session_register(*, session: TrainingSession, volunteer: Volunteer) -> TrainingAttendance:
    """A volunteer (or applicant) registers for an upcoming session; places hold under concurrency."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.starts_at <= timezone.now():
            raise VolunteerError(_("This session has already started."))
        if volunteer.status not in (Volunteer.Status.ACTIVE, Volunteer.Status.APPLICANT):
            raise VolunteerError(_("Only applicants and active volunteers can register."))
        if session.attendance.filter(volunteer=volunteer).exists():
            raise VolunteerError(_("You are already registered for this session."))
        if session.capacity is not None and session.attendance.count() >= session.capacity:
            raise VolunteerError(_("Sorry, this session is full."))
        return TrainingAttendance.objects.create(session=session, volunteer=volunteer)


def training_completion_record(
    *,
    volunteer: Volunteer,
    module: TrainingModule,
    completed_on: date,
    by,
    session: TrainingSession | None = None,
) -> TrainingCompletion:
    """Record a completion (idempotent per volunteer, module and day); expiry from the module."""
    if completed_on > timezone.localdate():
        raise VolunteerError(_("A completion cannot be in the future."))
    completion, _created = TrainingCompletion.objects.get_or_create(
        volunteer=volunteer,
        module=module,
        completed_on=completed_on,
        defaults={"expires_on": module.expires_on_for(completed_on), "session": session, "recorded_by": by},
    )
    return completion


def training_attendance_record(*, session: TrainingSession, attended: Iterable[Volunteer], by) -> int:
    """Mark who attended (completions recorded) and who did not; returns the number attended."""
    if session.starts_at > timezone.now():
        raise VolunteerError(_("Attendance can be recorded once the session has started."))
    attended = list(attended)
    day = timezone.localdate(session.starts_at)
    with transaction.atomic():
        for volunteer in attended:
            TrainingAttendance.objects.update_or_create(
                session=session, volunteer=volunteer, defaults={"status": TrainingAttendance.Status.ATTENDED}
            )
            missing = [
                r for r in module_requirements(volunteer=volunteer, module=session.module) if not r.met
            ]
            if not missing:
                training_completion_record(
                    volunteer=volunteer, module=session.module, completed_on=day, by=by, session=session
                )
        absent = session.attendance.exclude(volunteer__in=attended)
        TrainingCompletion.objects.filter(
            session=session, volunteer__in=absent.values("volunteer"), module=session.module
        ).delete()
        absent.update(status=TrainingAttendance.Status.ABSENT)
    return len(attended)


def training_expiry_reminders_send(*, today: date | None = None) -> int:
    """Tell volunteers 30 days ahead that a training expires; each completion reminded once."""
    today = today or timezone.localdate()
    sent = 0
    due = completions_expiring(within_days=30, today=today).filter(expiry_reminder_sent_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)):
        now = timezone.now()
        if (
            TrainingCompletion.objects.filter(pk=pk, expiry_reminder_sent_at__isnull=True).update(
                expiry_reminder_sent_at=now
            )
            != 1
        ):
            continue
        completion = TrainingCompletion.objects.select_related("volunteer", "module").get(pk=pk)
        volunteer = completion.volunteer
        try:
            with translation.override(volunteer.preferred_language):
                body = _(
                    "Hotline: your training “%(module)s” expires on %(day)s. "
                    "Sign up for a refresher session: %(link)s"
                ) % {
                    "module": completion.module.title,
                    "day": formats.date_format(completion.expires_on, "DATE_FORMAT"),
                    "link": settings.PUBLIC_BASE_URL + reverse("volunteers:my_training"),
                }
                _notify(volunteer, body=body, subject=_("Your training expires soon"))
        except Exception:
            logger.exception("training expiry reminder %s failed; will retry", pk)
            TrainingCompletion.objects.filter(pk=pk, expiry_reminder_sent_at=now).update(
                expiry_reminder_sent_at=None
            )
            continue
        sent += 1
    return sent
