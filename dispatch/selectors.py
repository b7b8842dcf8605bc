"""Queries of the dispatch app that views, services and tasks share.

The console polls `queue_intakes` and `open_incidents` every two seconds: each is one query
whatever the number of rows, with everything the rows show annotated or joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import (
    Alarm,
    CallType,
    FollowUp,
    Incident,
    IncidentEvent,
    IncidentResponder,
    Notification,
    OnCallPeriod,
    ProtocolVersion,
    Triage,
)
from dispatch.protocol import Option, ProtocolSpec, QuestionSpec, RuleSpec
from hotline.models import Intake, Message
from volunteers.models import Area, Language, ShiftAssignment, Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import on_shift_now, volunteer_for_user

RESPONDER_LINK_SALT = "dispatch.responder-link"

# --- Protocol ----------------------------------------------------------------------------------


def current_protocol() -> ProtocolVersion:
    """The newest protocol version (a migration seeds version 1)."""
    version = ProtocolVersion.objects.order_by("-number").first()
    if version is None:
        raise ProtocolVersion.DoesNotExist("no screening protocol: run the migrations")
    return version


def protocol_spec(version: ProtocolVersion) -> ProtocolSpec:
    """The version as plain data for the engine, with the current lists for taxonomy questions."""
    listed: dict[str, tuple[Option, ...]] = {}
    questions = []
    for question in version.questions.all():
        if question.kind == "choice":
            options = tuple(
                Option(value=str(o.get("value", "")), labels={k: o.get(k, "") for k in ("en", "ko", "es")})
                for o in question.options
            )
        elif question.kind in ("call_type", "area", "language"):
            if question.kind not in listed:
                listed[question.kind] = _taxonomy_options(question.kind)
            options = listed[question.kind]
        else:
            options = ()
        questions.append(
            QuestionSpec(
                key=question.key,
                kind=question.kind,
                text={"en": question.text_en, "ko": question.text_ko, "es": question.text_es},
                required=question.required,
                danger_screen=question.danger_screen,
                options=options,
            )
        )
    rules = tuple(
        RuleSpec(
            question_key=rule.question_key,
            operator=rule.operator,
            value=rule.value,
            recommendation=rule.recommendation,
            explanation={"en": rule.explanation_en, "ko": rule.explanation_ko, "es": rule.explanation_es},
        )
        for rule in version.rules.all()
    )
    return ProtocolSpec(
        version=version.number,
        questions=tuple(questions),
        rules=rules,
        default_recommendation=version.default_recommendation,
    )


def _taxonomy_options(kind: str) -> tuple[Option, ...]:
    if kind == "call_type":
        return tuple(
            Option(
                value=c.slug,
                labels={"en": c.name_en, "ko": c.name_ko or c.name_en, "es": c.name_es or c.name_en},
            )
            for c in CallType.objects.filter(is_active=True)
        )
    if kind == "area":
        return tuple(
            Option(value=str(a.pk), labels={"en": a.name}) for a in Area.objects.filter(is_active=True)
        )
    return tuple(Option(value=lang.code, labels={"en": lang.name}) for lang in Language.objects.all())


# --- Intakes -----------------------------------------------------------------------------------


def caller_history_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.DISPATCH_CALLER_HISTORY_DAYS)


def queue_intakes(*, now: datetime | None = None) -> QuerySet[Intake]:
    """Open intakes, longest waiting first, with who holds each, how often the number called
    and the start of the first text (`first_text`, for texts)."""
    since = caller_history_since(now)
    earlier = (
        Intake.objects.filter(
            caller=OuterRef("caller"), created_at__gte=since, created_at__lt=OuterRef("created_at")
        )
        .exclude(caller="")
        .order_by()
        .values("caller")
        .annotate(n=Count("pk"))
        .values("n")
    )
    first_text = (
        Message.objects.filter(intake=OuterRef("pk"), direction=Message.Direction.INBOUND)
        .order_by("created_at", "pk")
        .values("body")[:1]
    )
    return (
        Intake.objects.filter(status__in=Intake.OPEN_STATUSES)
        .select_related("area", "call", "triage__claimed_by", "triage__call_type")
        .annotate(
            earlier_contacts=Coalesce(Subquery(earlier, output_field=IntegerField()), 0),
            # The start of the caller's first text: the queue previews its first words.
            first_text=Substr(Subquery(first_text), 1, 200),
        )
        .order_by("created_at", "pk")
    )


def intake_get_for_dispatcher(*, user, pk: int) -> Intake:
    """The intake, for a dispatcher or coordinator; 403 for anyone else, 404 when missing."""
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Intake.objects.select_related("area", "call"), pk=pk)


def triage_for(intake: Intake) -> Triage | None:
    try:
        return Triage.objects.select_related(
            "claimed_by", "protocol", "call_type", "area", "decided_by", "incident"
        ).get(intake=intake)
    except Triage.DoesNotExist:
        return None


@dataclass(frozen=True)
class CallerHistory:
    count: int
    contacts: list[Intake]
    days: int


def caller_history(intake: Intake, *, now: datetime | None = None, limit: int = 20) -> CallerHistory:
    """Earlier contacts from the intake's number in the last DISPATCH_CALLER_HISTORY_DAYS days."""
    days = settings.DISPATCH_CALLER_HISTORY_DAYS
    if not intake.caller:
        return CallerHistory(count=0, contacts=[], days=days)
    earlier = (
        Intake.objects.filter(caller=intake.caller, created_at__gte=caller_history_since(now))
        .exclude(pk=intake.pk)
        .select_related("triage__call_type", "triage__incident")
        .order_by("-created_at", "-pk")
    )
    contacts = list(earlier[:limit])
    count = len(contacts) if len(contacts) < limit else earlier.count()
    return CallerHistory(count=count, contacts=contacts, days=days)


def past_intakes(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    caller: str = "",
    call_type: CallType | None = None,
    decision: str = "",
    outcome: str = "",
    area: Area | None = None,
    code: str = "",
) -> QuerySet[Intake]:
    """Intakes (with their triage and incident) matching the search, newest first.

    Dates are local calendar days, both included; `caller` is an E.164 number; `area` matches
    the intake's or the triage's area; `code` is part of an incident code (upper case).
    """
    intakes = Intake.objects.all()
    zone = timezone.get_current_timezone()
    if date_from:
        intakes = intakes.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        day_after = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        intakes = intakes.filter(created_at__lt=day_after)
    if caller:
        intakes = intakes.filter(caller=caller)
    if call_type:
        intakes = intakes.filter(triage__call_type=call_type)
    if decision:
        intakes = intakes.filter(triage__decision=decision)
    if outcome:
        intakes = intakes.filter(triage__incident__outcome=outcome)
    if area:
        intakes = intakes.filter(Q(area=area) | Q(triage__area=area))
    if code:
        intakes = intakes.filter(triage__incident__code__contains=code)
    return intakes.select_related("area", "triage__call_type", "triage__area", "triage__incident").order_by(
        "-created_at", "-pk"
    )


# --- Incidents ---------------------------------------------------------------------------------


def with_team_counts(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate `accepted_count`, `pending_count` and `failed_count` (failed texts)."""

    def count(model, **filters):
        rows = model.objects.filter(incident=OuterRef("pk"), **filters).order_by().values("incident")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)

    return queryset.annotate(
        accepted_count=count(IncidentResponder, status=IncidentResponder.Status.ACCEPTED),
        pending_count=count(IncidentResponder, status=IncidentResponder.Status.NOTIFIED),
        failed_count=count(Notification, status=Notification.Status.FAILED),
    )


def open_incidents() -> QuerySet[Incident]:
    return (
        with_team_counts(Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
        .select_related("call_type", "area", "triage__intake")
        .order_by("opened_at", "pk")
    )


def incident_get_for_dispatcher(*, user, pk: int) -> Incident:
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(
        with_team_counts(Incident.objects.all()).select_related(
            "call_type", "area", "triage__intake", "triage__decided_by", "opened_by"
        ),
        pk=pk,
    )


def incident_timeline(incident: Incident) -> QuerySet:
    return incident.events.select_related("actor", "volunteer")


def busy_volunteer_ids() -> QuerySet:
    """Volunteers on the team of an open incident."""
    return IncidentResponder.objects.filter(
        status=IncidentResponder.Status.ACCEPTED, incident__status__in=Incident.OPEN_STATUSES
    ).values("volunteer_id")


def responder_candidates(
    *,
    call_type: CallType | None,
    language: str = "",
    area: Area | int | None = None,
    at: datetime | None = None,
    exclude_incident: Incident | None = None,
) -> list[Volunteer]:
    """On-shift responders trained for the call type and not on an open incident's team,
    speakers of the caller's language first, then those covering the area."""
    candidates = on_shift_now(
        "responder",
        at=at,
        language=language or None,
        area=area,
        call_type=call_type.slug if call_type else None,
    )
    busy = set(busy_volunteer_ids().values_list("volunteer_id", flat=True))
    already: set[int] = set()
    if exclude_incident is not None:
        already = set(exclude_incident.responders.values_list("volunteer_id", flat=True))
    return [v for v in candidates if v.pk not in busy and v.pk not in already]


def on_call_coordinator(*, at: datetime | None = None) -> OnCallPeriod | None:
    at = at or timezone.now()
    return (
        OnCallPeriod.objects.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True)
        .select_related("user")
        .order_by("starts_at")
        .first()
    )


# --- Alarms and staffing ---------------------------------------------------------------------


def open_alarms() -> QuerySet[Alarm]:
    """Alarms not resolved yet, the most serious and newest first (one query, for the console)."""
    severity = {Alarm.Level.EMERGENCY: 0, Alarm.Level.CRITICAL: 1, Alarm.Level.WARNING: 2}
    return (
        Alarm.objects.filter(resolved_at__isnull=True)
        .select_related("incident__call_type", "incident__area", "volunteer", "acknowledged_by")
        .annotate(
            severity=Case(
                *(When(level=level, then=Value(rank)) for level, rank in severity.items()),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("severity", "-raised_at", "-pk")
    )


def alarm_get_for_dispatcher(*, user, pk: int) -> Alarm:
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(Alarm.objects.select_related("incident"), pk=pk)


@dataclass(frozen=True)
class Staffing:
    """Why an incident has no full team: who is on shift and why each one is not coming."""

    on_shift: list[Volunteer]
    free: list[Volunteer]  # on shift, trained for the call type, not busy, not yet asked
    busy: list[tuple[Volunteer, str]]  # (responder, code of the incident they are on)
    untrained: list[Volunteer]  # on shift but not trained for this call type
    declined: list[Volunteer]
    waiting: list[Volunteer]  # texted, no answer yet


def busy_codes() -> dict[int, str]:
    """volunteer id -> code of the open incident whose team they are on."""
    return dict(
        IncidentResponder.objects.filter(
            status=IncidentResponder.Status.ACCEPTED, incident__status__in=Incident.OPEN_STATUSES
        ).values_list("volunteer_id", "incident__code")
    )


def staffing_for(incident: Incident, *, at: datetime | None = None) -> Staffing:
    at = at or timezone.now()
    on_shift = on_shift_now("responder", at=at)
    if incident.call_type_id:
        trained = {v.pk for v in on_shift_now("responder", at=at, call_type=incident.call_type.slug)}
    else:
        trained = {v.pk for v in on_shift}
    codes = {pk: code for pk, code in busy_codes().items() if code != incident.code}
    rows = list(incident.responders.select_related("volunteer"))
    asked = {row.volunteer_id for row in rows}
    return Staffing(
        on_shift=on_shift,
        free=[v for v in on_shift if v.pk in trained and v.pk not in codes and v.pk not in asked],
        busy=[(v, codes[v.pk]) for v in on_shift if v.pk in codes],
        untrained=[v for v in on_shift if v.pk not in trained],
        declined=[r.volunteer for r in rows if r.status == IncidentResponder.Status.DECLINED],
        waiting=[r.volunteer for r in rows if r.status == IncidentResponder.Status.NOTIFIED],
    )


def staffing_summary(staffing: Staffing) -> str:
    """One line for the timeline and the on-call text: why nobody is free."""
    from django.utils.translation import gettext as _

    parts = [_("%(n)s responders on shift") % {"n": len(staffing.on_shift)}]
    if staffing.busy:
        parts.append(
            _("busy: %(names)s") % {"names": ", ".join(f"{v} ({code})" for v, code in staffing.busy)}
        )
    if staffing.untrained:
        parts.append(
            _("not trained for this call type: %(names)s")
            % {"names": ", ".join(str(v) for v in staffing.untrained)}
        )
    if staffing.declined:
        parts.append(_("declined: %(names)s") % {"names": ", ".join(str(v) for v in staffing.declined)})
    if staffing.waiting:
        parts.append(_("no answer yet: %(names)s") % {"names": ", ".join(str(v) for v in staffing.waiting)})
    return "; ".join(parts) + "."


def hand_pick_candidates(incident: Incident, *, at: datetime | None = None) -> list[Volunteer]:
    """Every active volunteer with the Responder role, on shift or not, each carrying
    `on_shift`, `busy_on` (an incident code or ""), `trained` and `asked` (already on the call-out):
    what a dispatcher hand-picking needs to see, and to confirm for the busy or off shift."""
    from volunteers.selectors import onboarded_for_role_q, qualified_for_call_type_q, qualified_for_role_q

    at = at or timezone.now()
    volunteers = list(
        Volunteer.objects.filter(
            status=Volunteer.Status.ACTIVE, user__is_active=True, user__groups__name=Role.RESPONDER
        )
        .exclude(phone="")
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    shift_ids = {v.pk for v in on_shift_now("responder", at=at)}
    # Trained and onboarded: a responder whose checklist is not done is not offered as trained.
    trained_q = qualified_for_role_q("responder", at=at) & onboarded_for_role_q("responder", at=at)
    if incident.call_type_id:
        trained_q &= qualified_for_call_type_q(incident.call_type.slug, at=at)
    trained = set(
        Volunteer.objects.filter(trained_q, pk__in=[v.pk for v in volunteers]).values_list("pk", flat=True)
    )
    codes = busy_codes()
    asked = set(incident.responders.values_list("volunteer_id", flat=True))
    for volunteer in volunteers:
        volunteer.on_shift = volunteer.pk in shift_ids
        volunteer.busy_on = codes.get(volunteer.pk, "")
        volunteer.trained = volunteer.pk in trained
        volunteer.asked = volunteer.pk in asked
    return volunteers


def qualified_volunteers(incident: Incident, *, at: datetime | None = None) -> list[Volunteer]:
    """Every active responder trained for the incident's call type, on shift or not, not busy
    and not yet on its call-out: the widest call-out."""
    return [v for v in hand_pick_candidates(incident, at=at) if v.trained and not v.busy_on and not v.asked]


# --- Console: status board and waiting urgency --------------------------------------------------


class UnitStatus(models.TextChoices):
    """Where an on-shift responder is, as the status board shows it."""

    AVAILABLE = "available", _("Available")
    NOTIFIED = "notified", _("Notified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    CLEARED = "cleared", _("Cleared")


# An accepted responder's status follows their incident's.
_TEAM_STATUS = {
    Incident.Status.DISPATCHED: UnitStatus.ACKNOWLEDGED,
    Incident.Status.ACKNOWLEDGED: UnitStatus.ACKNOWLEDGED,
    Incident.Status.EN_ROUTE: UnitStatus.EN_ROUTE,
    Incident.Status.ON_SCENE: UnitStatus.ON_SCENE,
    Incident.Status.CLEARED: UnitStatus.CLEARED,
}
# Timeline events that change where the whole team is.
_TEAM_STATUS_EVENTS = (
    IncidentEvent.Kind.EN_ROUTE,
    IncidentEvent.Kind.ON_SCENE,
    IncidentEvent.Kind.CLEARED,
)


@dataclass(frozen=True)
class UnitRow:
    volunteer: Volunteer
    status: UnitStatus
    incident: Incident | None
    since: datetime
    stale: bool

    @property
    def status_label(self) -> str:
        return str(self.status.label)


def unit_status_board(*, now: datetime | None = None) -> list[UnitRow]:
    """Every responder on shift now with their status, incident and last update, by name.

    A responder on an open incident's team has its status (acknowledged, en route, on scene,
    cleared); one texted and not answered yet is "notified"; anyone else is available. The last
    update is their answer or the team's latest status or note of theirs; an available
    responder's is when their shift began or their last incident closed, whichever is later.
    A status other than available older than DISPATCH_STALE_STATUS_MINUTES is stale.
    Three queries, whatever the number of responders.
    """
    now = now or timezone.now()
    volunteers = sorted(on_shift_now("responder", at=now), key=lambda v: (v.last_name, v.first_name, v.pk))
    if not volunteers:
        return []
    ids = [v.pk for v in volunteers]
    last_event = (
        IncidentEvent.objects.filter(incident=OuterRef("incident"))
        .filter(Q(kind__in=_TEAM_STATUS_EVENTS) | Q(volunteer=OuterRef("volunteer")))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    assignments = (
        IncidentResponder.objects.filter(
            volunteer_id__in=ids,
            status__in=(IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.ACCEPTED),
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident")
        .annotate(last_event_at=Subquery(last_event))
    )
    current: dict[int, IncidentResponder] = {}
    for row in assignments:
        held = current.get(row.volunteer_id)
        # On a team beats a pending answer; then the newest call-out.
        key = (row.status == IncidentResponder.Status.ACCEPTED, row.notified_at, row.pk)
        if held is None or key > (
            held.status == IncidentResponder.Status.ACCEPTED,
            held.notified_at,
            held.pk,
        ):
            current[row.volunteer_id] = row
    available_since = _available_since([pk for pk in ids if pk not in current], now=now)
    stale_after = timedelta(minutes=settings.DISPATCH_STALE_STATUS_MINUTES)
    rows = []
    for volunteer in volunteers:
        assignment = current.get(volunteer.pk)
        if assignment is None:
            since = available_since.get(volunteer.pk) or now
            rows.append(UnitRow(volunteer, UnitStatus.AVAILABLE, None, since, stale=False))
            continue
        if assignment.status == IncidentResponder.Status.ACCEPTED:
            status = _TEAM_STATUS[assignment.incident.status]
        else:
            status = UnitStatus.NOTIFIED
        times = [assignment.notified_at, assignment.responded_at, assignment.last_event_at]
        since = max(t for t in times if t is not None)
        rows.append(UnitRow(volunteer, status, assignment.incident, since, stale=now - since >= stale_after))
    return rows


def _available_since(volunteer_ids: list[int], *, now: datetime) -> dict[int, datetime]:
    """When each volunteer's current responder shift began, or their last incident ended if later."""
    if not volunteer_ids:
        return {}
    shift_start = (
        ShiftAssignment.objects.filter(
            volunteer=OuterRef("pk"),
            status__in=ShiftAssignment.HOLDING,
            shift__role="responder",
            shift__starts_at__lte=now,
            shift__ends_at__gt=now,
        )
        .order_by("shift__starts_at")
        .values("shift__starts_at")[:1]
    )
    last_ended = (
        IncidentResponder.objects.filter(volunteer=OuterRef("pk"), incident__closed_at__lte=now)
        .order_by("-incident__closed_at")
        .values("incident__closed_at")[:1]
    )
    rows = (
        Volunteer.objects.filter(pk__in=volunteer_ids)
        .annotate(shift_start=Subquery(shift_start), last_ended=Subquery(last_ended))
        .values_list("pk", "shift_start", "last_ended")
    )
    return {pk: max(t for t in (start, ended) if t) for pk, start, ended in rows if start or ended}


class Urgency(models.TextChoices):
    """How late an intake's wait is against its target (a label besides the colour)."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    URGENT = "urgent", _("Urgent")


@dataclass(frozen=True)
class WaitUrgency:
    level: Urgency
    # What is waiting ("Ringing", "Text", "Callback") and the target it passed, in seconds.
    kind: str
    limit_seconds: int | None


def wait_urgency(*, intake: Intake, now: datetime) -> WaitUrgency | None:
    """How urgent an intake's wait is: rings against NENA's 15 s / 20 s answering standard,
    texts and callbacks against their DISPATCH_*_SECONDS targets. None once a dispatcher holds
    it or an answered call waits for its claim."""
    if intake.status == Intake.Status.NEEDS_CALLBACK:
        kind, late, urgent = (
            str(_("Callback")),
            settings.DISPATCH_CALLBACK_LATE_SECONDS,
            settings.DISPATCH_CALLBACK_URGENT_SECONDS,
        )
    elif intake.status != Intake.Status.NEW:
        return None
    elif intake.channel == Intake.Channel.VOICE:
        if intake.call is not None and intake.call.answered_at is not None:
            return None
        kind, late, urgent = (
            str(_("Ringing")),
            settings.DISPATCH_RING_LATE_SECONDS,
            settings.DISPATCH_RING_URGENT_SECONDS,
        )
    else:
        kind, late, urgent = (
            str(_("Text")),
            settings.DISPATCH_TEXT_LATE_SECONDS,
            settings.DISPATCH_TEXT_URGENT_SECONDS,
        )
    waited = (now - intake.created_at).total_seconds()
    if waited >= urgent:
        return WaitUrgency(Urgency.URGENT, kind, urgent)
    if waited >= late:
        return WaitUrgency(Urgency.LATE, kind, late)
    return WaitUrgency(Urgency.ON_TIME, kind, None)


# --- Responders --------------------------------------------------------------------------------


def volunteer_may_respond(volunteer: Volunteer) -> bool:
    """Active volunteer with an active account (or none): may answer call-outs and use links."""
    return volunteer.status == Volunteer.Status.ACTIVE and (
        volunteer.user is None or volunteer.user.is_active
    )


def _link_version(volunteer: Volunteer) -> int:
    """Changes whenever the volunteer is deactivated or reactivated: links signed before stop."""
    return int(volunteer.status_changed_at.timestamp() * 1_000_000)  # microseconds


def responder_token(*, incident: Incident, volunteer: Volunteer) -> str:
    value = f"{incident.pk}.{volunteer.pk}.{_link_version(volunteer)}"
    return signing.TimestampSigner(salt=RESPONDER_LINK_SALT).sign(value)


def responder_path(*, incident: Incident, volunteer: Volunteer) -> str:
    return reverse("dispatch:responder", args=[responder_token(incident=incident, volunteer=volunteer)])


def responder_url(*, incident: Incident, volunteer: Volunteer) -> str:
    """The absolute signed link texted to a responder (no password typing in a crisis)."""
    return settings.PUBLIC_BASE_URL + responder_path(incident=incident, volunteer=volunteer)


def responder_assignment_from_token(token: str) -> IncidentResponder:
    """The assignment a responder link names; 404 when forged, expired or unknown, and at once
    when the responder is no longer active (volunteer or account deactivated: a link signed
    before any deactivation never works again) or was stood down from the call-out."""
    try:
        value = signing.TimestampSigner(salt=RESPONDER_LINK_SALT).unsign(
            token, max_age=settings.DISPATCH_RESPONDER_LINK_MAX_AGE
        )
        parts = [int(part) for part in value.split(".")]
        # Links texted before versions existed have two parts; the active check still applies.
        incident_id, volunteer_id, version = parts if len(parts) == 3 else (*parts, None)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    try:
        assignment = IncidentResponder.objects.select_related(
            "incident__call_type", "incident__area", "volunteer__user"
        ).get(incident_id=incident_id, volunteer_id=volunteer_id)
    except IncidentResponder.DoesNotExist:
        raise Http404 from None
    volunteer = assignment.volunteer
    if (
        not volunteer_may_respond(volunteer)
        or (version is not None and version != _link_version(volunteer))
        or assignment.status == IncidentResponder.Status.STOOD_DOWN
    ):
        raise Http404
    return assignment


def incidents_for_volunteer(volunteer: Volunteer) -> QuerySet[IncidentResponder]:
    """The responder's call-outs still open: pending answers and teams they are on."""
    return (
        IncidentResponder.objects.filter(
            volunteer=volunteer,
            status__in=(IncidentResponder.Status.NOTIFIED, IncidentResponder.Status.ACCEPTED),
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident__call_type", "incident__area")
        .order_by("-incident__opened_at")
    )


def pending_answers_for(volunteer: Volunteer) -> QuerySet[IncidentResponder]:
    """Call-outs waiting for this responder's YES or NO, newest first."""
    return (
        IncidentResponder.objects.filter(
            volunteer=volunteer,
            status=IncidentResponder.Status.NOTIFIED,
            incident__status__in=Incident.OPEN_STATUSES,
        )
        .select_related("incident")
        .order_by("-notified_at", "-pk")
    )


def call_out_landing_path(user) -> str | None:
    """Where a signed-in responder with open call-outs should land: the page of their one
    call-out (the signed link's page), or "my call-outs" when they have several; None without."""
    if not has_role(user, Role.RESPONDER):
        return None
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        return None
    open_call_outs = list(incidents_for_volunteer(volunteer)[:2])
    if not open_call_outs:
        return None
    if len(open_call_outs) == 1:
        return responder_path(incident=open_call_outs[0].incident, volunteer=volunteer)
    return reverse("dispatch:my_incidents")


FOLLOW_UP_VIEWS = ("due", "overdue", "mine", "all")


def follow_ups_waiting(*, view: str, user, now: datetime | None = None) -> QuerySet[FollowUp]:
    """Follow-ups still to do, soonest first: `due` (due by the end of today, overdue
    included), `overdue`, `mine` (claimed by the user) or `all` scheduled ones."""
    now = now or timezone.now()
    waiting = FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED).select_related(
        "triage__intake", "triage__call_type", "incident", "claimed_by"
    )
    if view == "overdue":
        return waiting.filter(due_at__lt=now)
    if view == "mine":
        return waiting.filter(claimed_by=user)
    if view == "due":
        end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
        return waiting.filter(due_at__lte=end_of_today)
    return waiting


def follow_ups_overdue_count(*, now: datetime | None = None) -> int:
    return FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED, due_at__lt=now or timezone.now()).count()


def follow_up_get_for_dispatcher(*, user, pk: int) -> FollowUp:
    """The follow-up, for a dispatcher or coordinator; 403 for anyone else, 404 when missing."""
    if not has_role(user, Role.DISPATCHER):
        raise PermissionDenied
    return get_object_or_404(
        FollowUp.objects.select_related("triage__intake", "triage__call_type", "incident", "claimed_by"),
        pk=pk,
    )
