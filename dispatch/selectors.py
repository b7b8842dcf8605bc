"""Queries of the dispatch app that views, services and tasks share.

The console polls `queue_intakes` and `open_incidents` every two seconds: each is one query
whatever the number of rows, with everything the rows show annotated or joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from dispatch.models import (
    Alarm,
    CallType,
    FollowUp,
    Incident,
    IncidentResponder,
    Notification,
    OnCallPeriod,
    ProtocolVersion,
    Triage,
)
from dispatch.protocol import Option, ProtocolSpec, QuestionSpec, RuleSpec
from hotline.models import Intake
from volunteers.models import Area, Language, Volunteer
from volunteers.roles import Role, has_role
from volunteers.selectors import on_shift_now

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
    """Open intakes, longest waiting first, with who holds each and how often the number called."""
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
    return (
        Intake.objects.filter(status__in=Intake.OPEN_STATUSES)
        .select_related("area", "triage__claimed_by", "triage__call_type")
        .annotate(earlier_contacts=Coalesce(Subquery(earlier, output_field=IntegerField()), 0))
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
    from volunteers.selectors import qualified_for_call_type_q, qualified_for_role_q

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
    trained_q = qualified_for_role_q("responder", at=at)
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
