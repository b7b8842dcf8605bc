"""Launch-readiness checks, each computed from live data (never ticked by hand).

Every check says what is missing and where to fix it. `readiness_checks()` runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.models import (
    CfsCallType,
    CfsDataset,
    CfsSlotCount,
    Divertibility,
    HotlineTestCall,
    PilotSettings,
    ProtocolApproval,
)

STAFFING_DAYS = 14
TEST_CALL_MAX_AGE = timedelta(days=7)
MAX_LISTED = 5
# The service type (outreach's seeded taxonomy) whose partner must have a signed MOU.
MENTAL_HEALTH_SERVICE = "mental-health"


def min_survey_responses() -> int:
    return getattr(settings, "READINESS_MIN_SURVEY_RESPONSES", 30)


@dataclass
class Check:
    key: str
    title: str
    ok: bool
    summary: str
    missing: list[str] = field(default_factory=list)
    fix_url: str = ""
    fix_label: str = ""


# --- staffing -----------------------------------------------------------------------------------


def _hour_slots(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The open intervals cut into slots of at most an hour."""
    slots = []
    for begin, end in intervals:
        at = begin
        while at < end:
            slots.append((at, min(at + timedelta(hours=1), end)))
            at += timedelta(hours=1)
    return slots


def _qualified_bookings(role: str, *, start: datetime, end: datetime) -> list[tuple[datetime, datetime, int]]:
    """(starts, ends, volunteer id) of booked shifts of `role` in the window whose volunteer is
    qualified for the role when the shift starts."""
    from volunteers.models import ShiftAssignment, Volunteer
    from volunteers.selectors import is_qualified

    assignments = ShiftAssignment.objects.filter(
        shift__role=role,
        status__in=ShiftAssignment.HOLDING,
        shift__starts_at__lt=end,
        shift__ends_at__gt=start,
        volunteer__status=Volunteer.Status.ACTIVE,
    ).select_related("shift", "volunteer")
    bookings = []
    for assignment in assignments:
        shift = assignment.shift
        if is_qualified(assignment.volunteer, role, at=max(shift.starts_at, start)):
            bookings.append(
                (shift.starts_at.astimezone(UTC), shift.ends_at.astimezone(UTC), assignment.volunteer_id)
            )
    return bookings


def staffing_check(*, now: datetime | None = None) -> Check:
    """Trained dispatchers and responders booked for every hour of operation, next 14 days."""
    from hotline.selectors import open_intervals
    from volunteers.models import ShiftRole

    now = now or timezone.now()
    end = now + timedelta(days=STAFFING_DAYS)
    pilot = PilotSettings.objects.filter(pk=PilotSettings.SINGLETON_PK).first()
    targets = {
        ShiftRole.DISPATCHER: pilot.min_dispatchers
        if pilot
        else PilotSettings._meta.get_field("min_dispatchers").default,
        ShiftRole.RESPONDER: pilot.min_responders
        if pilot
        else PilotSettings._meta.get_field("min_responders").default,
    }
    slots = _hour_slots(open_intervals(start=now, end=end))
    missing: list[str] = []
    short_total = 0
    for role, label in ShiftRole.choices:
        needed = targets[role]
        if not needed:
            continue
        bookings = _qualified_bookings(role, start=now, end=end)
        short = []
        for begin, finish in slots:
            people = {vid for starts, ends, vid in bookings if starts <= begin and ends >= finish}
            if len(people) < needed:
                short.append((begin, len(people)))
        short_total += len(short)
        if short:
            missing.append(
                ngettext(
                    "%(role)s: %(count)s hour of operation has fewer than %(needed)s trained people booked.",
                    "%(role)s: %(count)s hours of operation have fewer than %(needed)s trained people booked.",
                    len(short),
                )
                % {"role": label, "count": len(short), "needed": needed}
            )
            for begin, count in short[:MAX_LISTED]:
                missing.append(
                    _("%(role)s, %(when)s: %(count)s of %(needed)s")
                    % {
                        "role": label,
                        "when": date_format(timezone.localtime(begin), "DATETIME_FORMAT"),
                        "count": count,
                        "needed": needed,
                    }
                )
    if pilot is None:
        missing.insert(0, _("No pilot settings yet: using the default targets."))
    ok = short_total == 0 and bool(slots)
    if not slots:
        missing.append(_("No hours of operation in the next 14 days."))
    return Check(
        key="staffing",
        title=_("Trained dispatchers and responders for the next 14 days"),
        ok=ok,
        summary=_("Every hour of operation is staffed with trained volunteers.")
        if ok
        else _("Some hours of operation are not staffed."),
        missing=missing,
        fix_url=reverse("volunteers:shift_list"),
        fix_label=_("Shifts"),
    )


# --- screening protocol -------------------------------------------------------------------------


def protocol_check() -> Check:
    from dispatch.models import ProtocolVersion

    current = ProtocolVersion.objects.order_by("-number").first()
    missing = []
    approval = None
    if current is None:
        missing.append(_("There is no screening protocol."))
    else:
        approval = (
            ProtocolApproval.objects.filter(protocol_number=current.number)
            .select_related("approved_by")
            .first()
        )
        if approval is None:
            missing.append(
                _("The current protocol (version %(number)s) is not approved by a coordinator.")
                % {"number": current.number}
            )
    ok = approval is not None
    return Check(
        key="protocol",
        title=_("Screening protocol approved"),
        ok=ok,
        summary=_("Protocol version %(number)s approved on %(date)s.")
        % {
            "number": current.number,
            "date": date_format(timezone.localtime(approval.approved_at), "DATE_FORMAT"),
        }
        if ok
        else _("The screening protocol in use is not approved."),
        missing=missing,
        fix_url=reverse("dispatch:protocol"),
        fix_label=_("Screening protocol"),
    )


# --- partner directory --------------------------------------------------------------------------


def partner_directory_check(*, today=None) -> Check:
    from outreach.selectors import service_coverage

    coverage = list(service_coverage(today=today))
    missing = []
    for service in coverage:
        if not service.partner_count:
            missing.append(_("%(service)s: no partner.") % {"service": service})
        elif not service.verified_count:
            missing.append(
                _("%(service)s: no partner verified recently (%(count)s unverified).")
                % {"service": service, "count": service.partner_count}
            )
    if not coverage:
        missing.append(_("No service types are defined."))
    ok = not missing
    return Check(
        key="partners",
        title=_("Partner directory populated and verified"),
        ok=ok,
        summary=_("Every service type has a recently verified partner.")
        if ok
        else _("Some service types have no verified partner."),
        missing=missing,
        fix_url=reverse("outreach:partner_list"),
        fix_label=_("Partner directory"),
    )


def partner_agreements_check(*, today=None) -> Check:
    """The pilot needs a signed MOU, in force, with at least one mental-health partner."""
    from outreach.selectors import partners_with_current_agreement

    partners = list(
        partners_with_current_agreement(service_slug=MENTAL_HEALTH_SERVICE, today=today)[:MAX_LISTED]
    )
    ok = bool(partners)
    return Check(
        key="partner_agreements",
        title=_("An MOU with at least one mental-health partner"),
        ok=ok,
        summary=_("MOU in force with: %(names)s.") % {"names": ", ".join(p.name for p in partners)}
        if ok
        else _("No mental-health partner has a signed MOU in force."),
        missing=[] if ok else [_("File a signed MOU on a mental-health partner's relationship page.")],
        fix_url=reverse("outreach:partnership_map"),
        fix_label=_("Partnership map"),
    )


# --- hotline answering --------------------------------------------------------------------------


def hotline_check(*, now: datetime | None = None) -> Check:
    now = now or timezone.now()
    last_ok = HotlineTestCall.objects.filter(succeeded=True).order_by("-placed_at").first()
    last = HotlineTestCall.objects.order_by("-placed_at").first()
    missing = []
    if last_ok is None:
        missing.append(_("No test call has succeeded yet."))
    elif now - last_ok.placed_at > TEST_CALL_MAX_AGE:
        missing.append(
            _("The last successful test call was on %(date)s, more than 7 days ago.")
            % {"date": date_format(timezone.localtime(last_ok.placed_at), "DATE_FORMAT")}
        )
    if last is not None and not last.succeeded:
        missing.append(_("The latest test call failed: %(detail)s") % {"detail": last.detail})
    ok = not missing
    return Check(
        key="hotline",
        title=_("Hotline number answering"),
        ok=ok,
        summary=_("A signed test call was answered on %(date)s.")
        % {"date": date_format(timezone.localtime(last_ok.placed_at), "DATETIME_FORMAT")}
        if ok
        else _("No recent successful test call."),
        missing=missing,
        fix_url=reverse("assessment:readiness") + "#test-call",
        fix_label=_("Place a test call"),
    )


# --- community-needs survey ---------------------------------------------------------------------


def survey_check() -> Check:
    from outreach.models import Survey

    needed = min_survey_responses()
    surveys = list(Survey.objects.annotate(response_count=Count("responses")).order_by("-response_count"))
    closed_enough = [s for s in surveys if s.status == Survey.Status.CLOSED and s.response_count >= needed]
    missing = []
    if not closed_enough:
        if not surveys:
            missing.append(_("No community-needs survey yet."))
        for survey in surveys[:MAX_LISTED]:
            missing.append(
                _("%(survey)s: %(status)s, %(count)s of %(needed)s responses.")
                % {
                    "survey": survey,
                    "status": survey.get_status_display(),
                    "count": survey.response_count,
                    "needed": needed,
                }
            )
    ok = bool(closed_enough)
    return Check(
        key="survey",
        title=_("Community-needs survey closed with enough responses"),
        ok=ok,
        summary=_("%(survey)s closed with %(count)s responses.")
        % {"survey": closed_enough[0], "count": closed_enough[0].response_count}
        if ok
        else _("No survey is closed with at least %(needed)s responses.") % {"needed": needed},
        missing=missing,
        fix_url=reverse("outreach:survey_list"),
        fix_label=_("Surveys"),
    )


# --- call-type analysis -------------------------------------------------------------------------


def call_type_analysis_check() -> Check:
    """A 911 dataset imported, and every call type in it mapped (category and divertibility)."""
    dataset = (
        CfsDataset.objects.filter(row_count__gt=0).select_related("city").order_by("-imported_at").first()
    )
    missing = []
    fix_url = reverse("assessment:cfs_index")
    if dataset is None:
        missing.append(_("No 911 calls-for-service dataset has been imported."))
    else:
        used = CfsSlotCount.objects.filter(dataset=dataset).values("call_type")
        unmapped = CfsCallType.objects.filter(pk__in=used).filter(
            Q(category__isnull=True) | Q(divertibility=Divertibility.UNCLASSIFIED)
        )
        count = unmapped.count()
        if count:
            fix_url = reverse("assessment:cfs_call_types", args=[dataset.city_id])
            missing.append(
                ngettext(
                    "%(dataset)s: %(count)s call type is not mapped to a category and divertibility.",
                    "%(dataset)s: %(count)s call types are not mapped to a category and divertibility.",
                    count,
                )
                % {"dataset": dataset, "count": count}
            )
            missing.extend(str(call_type) for call_type in unmapped.order_by("key")[:MAX_LISTED])
    ok = not missing
    return Check(
        key="call_types",
        title=_("Call-type analysis done for the service area"),
        ok=ok,
        summary=_("%(dataset)s (%(city)s) imported, every call type mapped.")
        % {"dataset": dataset, "city": dataset.city}
        if ok
        else _("The call-type analysis is not finished."),
        missing=missing,
        fix_url=fix_url,
        fix_label=_("911 data"),
    )


def readiness_checks(*, now: datetime | None = None) -> list[Check]:
    now = now or timezone.now()
    return [
        staffing_check(now=now),
        protocol_check(),
        partner_directory_check(today=timezone.localdate(now)),
        partner_agreements_check(today=timezone.localdate(now)),
        hotline_check(now=now),
        survey_check(),
        call_type_analysis_check(),
    ]
