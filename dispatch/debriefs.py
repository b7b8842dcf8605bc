"""Debriefs and wellbeing after incidents: services and the queries their pages share.

A closed incident's team members may each leave a short debrief (coordinators only read them).
Flagging a critical incident, or a debrief asking to talk, creates a check-in a coordinator
owes the team member within 48 hours; the wellbeing page shows them due or overdue, and the
coordinators are emailed about each new one at once and again once it is overdue
(`check_ins_prompt`, also a beat task: a check-in is never only on a page nobody opened).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Debrief, Incident, IncidentResponder, WellbeingCheckIn
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)

CHECK_IN_WITHIN = timedelta(hours=48)


def team_members(incident: Incident) -> QuerySet[Volunteer]:
    """The responders who were on the team (accepted the call-out)."""
    return Volunteer.objects.filter(
        incident_assignments__incident=incident,
        incident_assignments__status=IncidentResponder.Status.ACCEPTED,
    )


def _check_in_create(
    *, incident: Incident, volunteer: Volunteer, reason: str, note: str = ""
) -> WellbeingCheckIn:
    now = timezone.now()
    check_in, _created = WellbeingCheckIn.objects.get_or_create(
        incident=incident,
        volunteer=volunteer,
        reason=reason,
        defaults={"created_at": now, "due_at": now + CHECK_IN_WITHIN, "note": note[:300]},
    )
    return check_in


def debrief_submit(
    *, incident: Incident, volunteer: Volunteer, went_well: str, was_hard: str, wants_to_talk: bool
) -> Debrief:
    if incident.status != Incident.Status.CLOSED:
        raise ValidationError(_("Debriefs open once the incident is closed."))
    if not team_members(incident).filter(pk=volunteer.pk).exists():
        raise ValidationError(_("Only the incident's team members can debrief it."))
    try:
        with transaction.atomic():
            debrief = Debrief.objects.create(
                incident=incident,
                volunteer=volunteer,
                went_well=went_well.strip(),
                was_hard=was_hard.strip(),
                wants_to_talk=wants_to_talk,
            )
            if wants_to_talk:
                _check_in_create(
                    incident=incident, volunteer=volunteer, reason=WellbeingCheckIn.Reason.ASKED_TO_TALK
                )
                _prompt_after_commit()
    except IntegrityError as exc:
        raise ValidationError(_("You have already sent your debrief for this incident.")) from exc
    return debrief


def incident_flag_critical(*, incident: Incident, by, note: str = "") -> list[WellbeingCheckIn]:
    """Flag a critical incident: a check-in due within 48 hours for each team member."""
    members = list(team_members(incident))
    if not members:
        raise ValidationError(_("Nobody was on this incident's team."))
    with transaction.atomic():
        check_ins = [
            _check_in_create(
                incident=incident,
                volunteer=member,
                reason=WellbeingCheckIn.Reason.CRITICAL_INCIDENT,
                note=note,
            )
            for member in members
        ]
        _prompt_after_commit()
    return check_ins


def check_in_done(*, check_in: WellbeingCheckIn, by, note: str = "") -> WellbeingCheckIn:
    with transaction.atomic():
        updated = WellbeingCheckIn.objects.filter(pk=check_in.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=by, outcome_note=note[:300]
        )
    if updated != 1:
        raise ValidationError(_("This check-in is already done."))
    check_in.refresh_from_db()
    return check_in


# --- prompting the coordinators -------------------------------------------------------------------


def _prompt_now() -> None:
    from dispatch.tasks import check_ins_prompt

    try:
        check_ins_prompt.delay()
    except Exception:
        # A broker or mail server down must not fail the flag or the debrief: the beat task
        # ("dispatch-check-in-prompts") sends what is still unannounced.
        logger.warning("wellbeing check-in prompt not sent now; the periodic task will", exc_info=True)


def _prompt_after_commit() -> None:
    transaction.on_commit(_prompt_now)


def _coordinator_emails() -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from volunteers.roles import Role

    return sorted(
        set(
            get_user_model()
            .objects.filter(Q(groups__name=Role.COORDINATOR) | Q(is_superuser=True), is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _claim(check_ins, field: str, now: datetime) -> list[WellbeingCheckIn]:
    claimed = []
    for check_in in check_ins:
        if (
            WellbeingCheckIn.objects.filter(
                pk=check_in.pk, done_at__isnull=True, **{f"{field}__isnull": True}
            ).update(**{field: now})
            == 1
        ):
            claimed.append(check_in)
    return claimed


def check_ins_prompt(*, now: datetime | None = None) -> int:
    """Email the coordinators about the check-ins they owe: each new one once, and each overdue
    one once more. Rows are claimed before the email goes (a duplicated or overlapping run sends
    nothing twice); a failed send releases its claims for the next run. Returns how many
    check-ins the emails named."""
    now = now or timezone.now()
    recipients = _coordinator_emails()
    if not recipients:
        return 0
    open_check_ins = WellbeingCheckIn.objects.filter(done_at__isnull=True).select_related(
        "incident", "volunteer"
    )
    batches = (
        ("announced_at", open_check_ins.filter(announced_at__isnull=True)),
        ("overdue_reminded_at", open_check_ins.filter(overdue_reminded_at__isnull=True, due_at__lt=now)),
    )
    named = 0
    for field, candidates in batches:
        claimed = _claim(list(candidates), field, now)
        if not claimed:
            continue
        overdue = field == "overdue_reminded_at"
        lines = [
            _("%(volunteer)s, incident %(code)s (%(reason)s): check in by %(due)s.")
            % {
                "volunteer": check_in.volunteer,
                "code": check_in.incident.code,
                "reason": check_in.get_reason_display(),
                "due": timezone.localtime(check_in.due_at).strftime("%Y-%m-%d %H:%M"),
            }
            for check_in in claimed
        ]
        subject = (
            _("Overdue wellbeing check-ins: %(count)s")
            if overdue
            else _("Wellbeing check-ins to do: %(count)s")
        ) % {"count": len(claimed)}
        intro = (
            _("These check-ins with team members are overdue:")
            if overdue
            else _("A team member needs a coordinator's check-in within 48 hours:")
        )
        body = "\n".join(
            [
                intro,
                "",
                *lines,
                "",
                _("Record each check-in on the wellbeing page: %(url)s")
                % {"url": settings.PUBLIC_BASE_URL + reverse("dispatch:wellbeing")},
            ]
        )
        try:
            send_mail(
                subject=subject,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        except Exception:
            WellbeingCheckIn.objects.filter(pk__in=[c.pk for c in claimed], **{field: now}).update(
                **{field: None}
            )
            raise
        named += len(claimed)
    return named


# --- queries -------------------------------------------------------------------------------------


def debrief_get_for_member(*, user, pk: int) -> tuple[Incident, Volunteer]:
    """The closed incident `pk` and the signed-in team member; 404 for anyone else."""
    from django.http import Http404

    from volunteers.selectors import volunteer_for_user

    volunteer = volunteer_for_user(user)
    incident = Incident.objects.filter(pk=pk, status=Incident.Status.CLOSED).first()
    if volunteer is None or incident is None or not team_members(incident).filter(pk=volunteer.pk).exists():
        raise Http404
    return incident, volunteer


def debriefs_pending_for(volunteer: Volunteer, *, days: int = 14) -> QuerySet[Incident]:
    """Closed incidents of the last `days` days the volunteer was on and has not debriefed."""
    since = timezone.now() - timedelta(days=days)
    return (
        Incident.objects.filter(
            status=Incident.Status.CLOSED,
            closed_at__gte=since,
            responders__volunteer=volunteer,
            responders__status=IncidentResponder.Status.ACCEPTED,
        )
        .exclude(debriefs__volunteer=volunteer)
        .order_by("-closed_at")
    )


@dataclass
class WellbeingOverview:
    open_check_ins: list[WellbeingCheckIn]
    overdue_count: int
    debriefs: list[Debrief]
    week_start: date
    hours: list
    cap: float


def wellbeing_overview(*, week_start: date | None = None, now: datetime | None = None) -> WellbeingOverview:
    from volunteers.selectors import weekly_hours

    now = now or timezone.now()
    today = timezone.localdate(now)
    week_start = week_start or today - timedelta(days=today.weekday())
    open_check_ins = list(
        WellbeingCheckIn.objects.filter(done_at__isnull=True).select_related("incident", "volunteer")
    )
    for check_in in open_check_ins:
        check_in.overdue = check_in.is_overdue(now)
    cap = float(settings.WELLBEING_WEEKLY_HOURS_CAP)
    return WellbeingOverview(
        open_check_ins=open_check_ins,
        overdue_count=sum(1 for c in open_check_ins if c.overdue),
        debriefs=list(Debrief.objects.select_related("incident", "volunteer")[:50]),
        week_start=week_start,
        hours=weekly_hours(week_start=week_start, cap=cap),
        cap=cap,
    )
