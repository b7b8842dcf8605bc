"""Queries of the outreach app that views and other apps share.

The dispatch app's referral step calls `partner_search`; referral counts come from whichever
model of another app points at Partner or PartnerService with `related_name="referrals"`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.models import (
    AGREED_STAGES,
    Answer,
    Audience,
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Partner,
    PartnerAgreement,
    PartnerService,
    PartnerStage,
    Question,
    ServiceType,
    Survey,
    SurveyResponse,
    Theme,
    stale_cutoff,
)
from volunteers.models import Area, Volunteer

# --- Partner directory -------------------------------------------------------------------------


def _referral_count_expressions() -> list:
    """Count expressions for every relation named `referrals` into the directory (dispatch owns them)."""
    expressions = []
    for model, partner_path in ((Partner, "pk"), (PartnerService, "partner")):
        for relation in model._meta.related_objects:
            if relation.get_accessor_name() != "referrals" or relation.many_to_many:
                continue
            fk = relation.field.name
            lookup = f"{fk}__{partner_path}" if partner_path != "pk" else fk
            counts = (
                relation.related_model._default_manager.filter(**{lookup: OuterRef("pk")})
                .order_by()
                .values(lookup)
                .annotate(n=Count("pk"))
                .values("n")
            )
            expressions.append(Coalesce(Subquery(counts, output_field=IntegerField()), 0))
    return expressions


def with_referral_counts(queryset: QuerySet[Partner]) -> QuerySet[Partner]:
    """Annotate `referral_count`: referrals made to the partner (0 until an app records any)."""
    expressions = _referral_count_expressions()
    if not expressions:
        return queryset.annotate(referral_count=Value(0, output_field=IntegerField()))
    total = expressions[0]
    for expression in expressions[1:]:
        total = total + expression
    return queryset.annotate(referral_count=total)


def partners_with_referral_counts() -> QuerySet[Partner]:
    return with_referral_counts(Partner.objects.all())


def open_hours_at(at: datetime.datetime) -> Q:
    """OpeningHours rows covering the instant `at`, in the pilot's local time zone."""
    local = timezone.localtime(at)
    weekday = local.weekday()
    yesterday = (weekday - 1) % 7
    now = local.time().replace(microsecond=0)
    overnight = Q(closes_at__lt=F("opens_at"))
    return (
        # A same-day period, e.g. 09:00-17:00.
        Q(weekday=weekday, opens_at__lte=now, closes_at__gt=now)
        # The evening part of a period that runs past midnight, e.g. 22:00-06:00 on its day.
        | (overnight & Q(weekday=weekday, opens_at__lte=now))
        # The early-morning part of yesterday's period that runs past midnight.
        | (overnight & Q(weekday=yesterday, closes_at__gt=now))
    )


def partner_search(
    *,
    service: str | ServiceType | None = None,
    area: Area | int | None = None,
    language: str | None = None,
    open_now: bool = False,
    query: str = "",
    at: datetime.datetime | None = None,
    include_inactive: bool = False,
) -> QuerySet[Partner]:
    """Active partners matching every given filter, those accepting referrals first.

    `service` is a ServiceType or its slug; `area` an Area or its pk; `language` a code
    ("es" matches "es" and "es-MX"); `open_now` keeps partners open at `at` (default now)
    in settings.TIME_ZONE. Each partner is annotated with `referral_count`.
    """
    partners = Partner.objects.all() if include_inactive else Partner.objects.filter(is_active=True)
    if service:
        service_filter = (
            {"service_type": service} if isinstance(service, ServiceType) else {"service_type__slug": service}
        )
        partners = partners.filter(
            Exists(PartnerService.objects.filter(partner=OuterRef("pk"), **service_filter))
        )
    if area:
        area_id = area.pk if isinstance(area, Area) else area
        partners = partners.filter(
            Exists(Partner.areas.through.objects.filter(partner=OuterRef("pk"), area_id=area_id))
        )
    if language:
        code = language.strip().lower()
        languages = Partner.languages.through.objects.filter(partner=OuterRef("pk")).filter(
            Q(language__code__iexact=code) | Q(language__code__istartswith=f"{code}-")
        )
        partners = partners.filter(Exists(languages))
    if open_now:
        hours = OpeningHours.objects.filter(open_hours_at(at or timezone.now()), partner=OuterRef("pk"))
        partners = partners.filter(Q(open_24_7=True) | Exists(hours))
    query = query.strip()
    if query:
        partners = partners.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(eligibility__icontains=query)
            | Q(address__icontains=query)
            | Exists(
                PartnerService.objects.filter(partner=OuterRef("pk")).filter(
                    Q(service_type__name__icontains=query) | Q(notes__icontains=query)
                )
            )
        )
    partners = partners.prefetch_related(
        "partner_services__service_type", "languages", "areas", "opening_hours"
    )
    return with_referral_counts(partners).order_by("-accepts_referrals", "name")


def partner_is_open(partner: Partner, *, at: datetime.datetime | None = None) -> bool:
    """Whether one partner is open at `at`, from its (prefetched) opening hours."""
    if partner.open_24_7:
        return True
    local = timezone.localtime(at or timezone.now())
    now = local.time().replace(microsecond=0)
    yesterday = (local.weekday() - 1) % 7
    for period in partner.opening_hours.all():
        if period.overnight:
            if (period.weekday == local.weekday() and period.opens_at <= now) or (
                period.weekday == yesterday and now < period.closes_at
            ):
                return True
        elif period.weekday == local.weekday() and period.opens_at <= now < period.closes_at:
            return True
    return False


@dataclass(frozen=True)
class DirectoryFreshness:
    active: int
    stale: int
    never_verified: int
    accepting_referrals: int
    stale_days: int

    @property
    def fresh(self) -> int:
        return self.active - self.stale


def directory_freshness(*, today: datetime.date | None = None) -> DirectoryFreshness:
    cutoff = stale_cutoff(today)
    counts = Partner.objects.filter(is_active=True).aggregate(
        active=Count("pk"),
        stale=Count("pk", filter=Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff)),
        never_verified=Count("pk", filter=Q(last_verified_on__isnull=True)),
        accepting_referrals=Count("pk", filter=Q(accepts_referrals=True)),
    )
    return DirectoryFreshness(**counts, stale_days=settings.OUTREACH_PARTNER_STALE_DAYS)


def service_coverage(*, today: datetime.date | None = None) -> QuerySet[ServiceType]:
    """Each service type with its number of active partners and of freshly verified ones."""
    cutoff = stale_cutoff(today)
    active = Q(partner_services__partner__is_active=True)
    return ServiceType.objects.annotate(
        partner_count=Count("partner_services", filter=active),
        verified_count=Count(
            "partner_services", filter=active & Q(partner_services__partner__last_verified_on__gte=cutoff)
        ),
    )


# --- Partner relationship and the partnership map -------------------------------------------


def partner_relationship(*, pk: int) -> Partner:
    """A partner with its stage history, agreements and contact log (404 when unknown)."""
    return get_object_or_404(
        Partner.objects.prefetch_related(
            "stage_changes__changed_by",
            "agreements__uploaded_by",
            "contacts__recorded_by",
            "partner_services__service_type",
            "areas",
        ),
        pk=pk,
    )


def partners_with_current_agreement(
    *,
    kind: str = PartnerAgreement.Kind.MOU,
    service_slug: str | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Partner]:
    """Active partners at a signed stage with an agreement of `kind` in force today."""
    today = today or timezone.localdate()
    current = PartnerAgreement.objects.filter(partner=OuterRef("pk"), kind=kind, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    partners = Partner.objects.filter(is_active=True, stage__in=AGREED_STAGES).filter(Exists(current))
    if service_slug:
        partners = partners.filter(partner_services__service_type__slug=service_slug)
    return partners.distinct()


@dataclass
class MapCell:
    partners: list[Partner]
    agreed: int
    around_the_clock: int


@dataclass
class PartnershipMap:
    stages: list[tuple[str, str]]
    # service -> stage value -> partners
    by_stage: list[tuple[ServiceType, list[list[Partner]]]]
    areas: list[Area]
    # service -> one cell per area
    grid: list[tuple[ServiceType, list[MapCell]]]
    gaps: list[str]


def partnership_map() -> PartnershipMap:
    """Partners by service and relationship stage, and the gaps by service and area.

    A partner with no area recorded serves the whole city (it counts in every area). A gap is a
    service with no partner at a signed stage with its agreement in force today in an area (an
    MOU that ended is a gap again, as for the readiness check), or, for services needed around
    the clock, no active partner open 24/7 there. Inactive partners (or at the inactive stage)
    are left out of the grid and the gaps.
    """
    services = list(ServiceType.objects.all())
    areas = list(Area.objects.filter(is_active=True))
    partners = list(
        Partner.objects.filter(is_active=True).prefetch_related("partner_services", "areas").order_by("name")
    )
    stages = list(PartnerStage.choices)
    in_force = set(
        partners_with_current_agreement(kind=PartnerAgreement.Kind.MOU).values_list("pk", flat=True)
    ) | set(
        partners_with_current_agreement(kind=PartnerAgreement.Kind.DATA_SHARING).values_list("pk", flat=True)
    )
    by_stage = []
    grid = []
    gaps = []
    for service in services:
        offering = [
            p for p in partners if any(ps.service_type_id == service.pk for ps in p.partner_services.all())
        ]
        by_stage.append((service, [[p for p in offering if p.stage == value] for value, _label in stages]))
        working = [p for p in offering if p.stage != PartnerStage.INACTIVE]
        cells = []
        for area in areas:
            here = [p for p in working if not p.areas.all() or any(a.pk == area.pk for a in p.areas.all())]
            cell = MapCell(
                partners=here,
                agreed=sum(1 for p in here if p.pk in in_force),
                around_the_clock=sum(1 for p in here if p.open_24_7),
            )
            cells.append(cell)
            if not cell.agreed:
                gaps.append(
                    _("No %(service)s partner with a signed agreement in %(area)s.")
                    % {"service": service, "area": area}
                )
            if service.needed_around_the_clock and not cell.around_the_clock:
                gaps.append(
                    _("No 24/7 %(service)s partner in %(area)s.") % {"service": service, "area": area}
                )
        grid.append((service, cells))
    return PartnershipMap(stages=stages, by_stage=by_stage, areas=areas, grid=grid, gaps=gaps)


# --- Surveys -----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal:
    """part/whole as a percentage with one decimal, rounded half up; 0 when whole is 0."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ResultRow:
    label: str
    count: int
    percent: Decimal


@dataclass
class TextAnswer:
    text: str
    language: str
    submitted_at: datetime.datetime


@dataclass
class QuestionResult:
    question: Question
    answered: int  # responses that answered this question; the base of the percentages
    rows: list[ResultRow] = field(default_factory=list)
    mean: Decimal | None = None
    texts: list[TextAnswer] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    by_language: dict[str, int]
    questions: list[QuestionResult]


def survey_results(*, survey: Survey) -> SurveyResults:
    """Counts and percentages per question, aggregated in the database in a fixed number of queries.

    Percentages are of the responses that answered the question, so a multiple-choice
    question's percentages may add up to more than 100.
    """
    questions = list(survey.questions.prefetch_related("options"))
    answers = Answer.objects.filter(question__survey=survey).order_by()
    answered = dict(
        answers.values("question").annotate(n=Count("response", distinct=True)).values_list("question", "n")
    )
    option_counts = dict(
        answers.filter(option__isnull=False)
        .values("option")
        .annotate(n=Count("pk"))
        .values_list("option", "n")
    )
    scale_counts: dict[tuple[int, int], int] = {
        (row["question"], row["scale_value"]): row["n"]
        for row in answers.filter(scale_value__isnull=False)
        .values("question", "scale_value")
        .annotate(n=Count("pk"))
    }
    means = dict(
        answers.filter(scale_value__isnull=False)
        .values("question")
        .annotate(mean=Avg("scale_value"))
        .values_list("question", "mean")
    )
    texts: dict[int, list[TextAnswer]] = {}
    for row in (
        answers.filter(question__kind=Question.Kind.TEXT)
        .exclude(text="")
        .order_by("response__submitted_at", "pk")
        .values("question", "text", "response__language", "response__submitted_at")
    ):
        texts.setdefault(row["question"], []).append(
            TextAnswer(row["text"], row["response__language"], row["response__submitted_at"])
        )
    responses = survey.responses.order_by()
    by_language = dict(responses.values("language").annotate(n=Count("pk")).values_list("language", "n"))

    results = []
    for question in questions:
        base = answered.get(question.pk, 0)
        result = QuestionResult(question=question, answered=base)
        if question.has_options:
            for option in question.options.all():
                count = option_counts.get(option.pk, 0)
                result.rows.append(ResultRow(str(option), count, percent(count, base)))
        elif question.kind == Question.Kind.SCALE:
            for value in Question.SCALE_VALUES:
                count = scale_counts.get((question.pk, value), 0)
                result.rows.append(ResultRow(str(value), count, percent(count, base)))
            mean = means.get(question.pk)
            result.mean = (
                None if mean is None else Decimal(str(mean)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
        else:
            result.texts = texts.get(question.pk, [])
        results.append(result)
    return SurveyResults(
        survey=survey, responses=sum(by_language.values()), by_language=by_language, questions=results
    )


def survey_export_rows(*, survey: Survey, language: str = "en"):
    """Yield the CSV header, then one row per response; choice answers as option texts."""
    questions = list(survey.questions.prefetch_related("options"))
    header = ["response", "submitted_at", "language"]
    if not survey.anonymous:
        header += ["name", "contact"]
    header += [question.localized("text", language) for question in questions]
    yield header
    option_text = {
        option.pk: option.localized("text", language)
        for question in questions
        for option in question.options.all()
    }
    responses = (
        SurveyResponse.objects.filter(survey=survey)
        .order_by("submitted_at", "pk")
        .prefetch_related("answers")
    )
    for response in responses.iterator(chunk_size=500):
        values: dict[int, list[str]] = {}
        for answer in response.answers.all():
            if answer.option_id:
                value = option_text[answer.option_id]
            elif answer.scale_value is not None:
                value = str(answer.scale_value)
            else:
                value = answer.text
            values.setdefault(answer.question_id, []).append(value)
        row = [str(response.pk), timezone.localtime(response.submitted_at).isoformat(), response.language]
        if not survey.anonymous:
            row += [response.respondent_name, response.respondent_contact]
        row += ["; ".join(values.get(question.pk, [])) for question in questions]
        yield row


# --- Focus groups ------------------------------------------------------------------------------


def themes_summary() -> QuerySet[Theme]:
    """Themes by the number of sessions that raised them, with the participants of those sessions."""
    return (
        Theme.objects.annotate(
            sessions=Count("focus_groups", distinct=True),
            participants=Coalesce(Sum("focus_groups__participants"), 0),
            last_raised_on=Max("focus_groups__held_on"),
        )
        .filter(sessions__gt=0)
        .order_by("-sessions", "name")
    )


def focus_groups_by_audience() -> list[dict]:
    """Sessions and participants per audience group, with the group's label."""
    labels = dict(Audience.choices)
    rows = (
        FocusGroup.objects.order_by()
        .values("audience")
        .annotate(sessions=Count("pk"), participants=Sum("participants"))
        .order_by("audience")
    )
    return [{**row, "label": labels.get(row["audience"], row["audience"])} for row in rows]


# --- Events, leads and conversion --------------------------------------------------------------


def lead_signup_url(lead: Lead) -> str:
    """The volunteer sign-up, prefilled with the lead's details and attributed to its event."""
    params = {"lead": lead.reference, "first_name": lead.first_name, "last_name": lead.last_name}
    if lead.event_id:
        params["ref"] = lead.event.code
    if lead.email:
        params["email"] = lead.email
    if lead.phone:
        params["phone"] = str(lead.phone)
    params["lang"] = lead.language
    return f"{settings.PUBLIC_BASE_URL}{reverse('volunteers:signup')}?{urlencode(params)}"


def event_signup_url(event: Event) -> str:
    """The volunteer sign-up attributed to an event (for flyers, QR codes and posts)."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('volunteers:signup')}?{urlencode({'ref': event.code})}"


def _lead_applied() -> Exists:
    return Exists(Volunteer.objects.filter(lead_reference=OuterRef("reference")))


def _lead_approved() -> Exists:
    # Approved once counts as a conversion even if the volunteer is inactive today.
    return Exists(Volunteer.objects.filter(lead_reference=OuterRef("reference"), approved_at__isnull=False))


def leads_with_conversion(queryset: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    """Leads annotated with `applied` and `approved` (booleans) from the volunteer records."""
    queryset = Lead.objects.all() if queryset is None else queryset
    return queryset.annotate(applied=_lead_applied(), approved=_lead_approved())


def volunteer_for_lead(lead: Lead) -> Volunteer | None:
    return Volunteer.objects.filter(lead_reference=lead.reference).order_by("pk").first()


def events_with_counts(queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events annotated with their leads, leads converted, and sign-ups attributed by code."""
    queryset = Event.objects.all() if queryset is None else queryset
    applied = Volunteer.objects.filter(lead_reference=OuterRef("reference"))
    leads = Lead.objects.filter(event=OuterRef("pk")).order_by().values("event")
    signups = Volunteer.objects.filter(source_code=OuterRef("code")).order_by().values("source_code")

    def count(subquery):
        return Coalesce(
            Subquery(subquery.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
        )

    return queryset.select_related("partner").annotate(
        lead_count=count(leads),
        leads_applied=count(leads.filter(Exists(applied))),
        leads_approved=count(leads.filter(Exists(applied.filter(approved_at__isnull=False)))),
        signups=count(signups),
        signups_approved=count(signups.filter(approved_at__isnull=False)),
    )


def _in_range(prefix: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    condition = Q()
    if start:
        condition &= Q(**{f"{prefix}__gte": start})
    if end:
        condition &= Q(**{f"{prefix}__lte": end})
    return condition


def events_by_kind_and_month(
    *, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[dict]:
    """Rows of month, kind, events and people reached."""
    return list(
        Event.objects.filter(_in_range("held_on", start, end))
        .annotate(month=TruncMonth("held_on"))
        .order_by()
        .values("month", "kind")
        .annotate(events=Count("pk"), reached=Coalesce(Sum("people_reached"), 0))
        .order_by("month", "kind")
    )


def _count_if(condition) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0)))


def conversions_by_event_kind(
    *, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[dict]:
    """Per event kind: events, people reached, leads, leads who applied and were approved, and
    volunteers who signed up through the events' attribution code."""
    events = Event.objects.filter(_in_range("held_on", start, end))
    per_kind = {
        row["kind"]: row
        for row in events.order_by()
        .values("kind")
        .annotate(events=Count("pk"), reached=Coalesce(Sum("people_reached"), 0))
    }
    lead_rows = (
        Lead.objects.filter(event__in=events)
        .order_by()
        .values("event__kind")
        .annotate(
            leads=Count("pk"),
            leads_applied=_count_if(_lead_applied()),
            leads_approved=_count_if(_lead_approved()),
        )
    )
    signup_rows = (
        Volunteer.objects.filter(source_code__in=events.values("code"))
        .annotate(kind=Subquery(Event.objects.filter(code=OuterRef("source_code")).values("kind")[:1]))
        .order_by()
        .values("kind")
        .annotate(signups=Count("pk"), signups_approved=Count("pk", filter=Q(approved_at__isnull=False)))
    )
    leads_by_kind = {row["event__kind"]: row for row in lead_rows}
    signups_by_kind = {row["kind"]: row for row in signup_rows}
    rows = []
    for kind, label in Event.Kind.choices:
        base = per_kind.get(kind, {})
        leads = leads_by_kind.get(kind, {})
        signups = signups_by_kind.get(kind, {})
        row = {
            "kind": kind,
            "label": label,
            "events": base.get("events", 0),
            "reached": base.get("reached", 0),
            "leads": leads.get("leads", 0),
            "leads_applied": leads.get("leads_applied") or 0,
            "leads_approved": leads.get("leads_approved") or 0,
            "signups": signups.get("signups", 0),
            "signups_approved": signups.get("signups_approved", 0),
        }
        row["lead_conversion"] = percent(row["leads_approved"], row["leads"])
        rows.append(row)
    return rows


def survey_response_counts(
    *, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Survey]:
    in_range = Q()
    if start:
        in_range &= Q(responses__submitted_at__date__gte=start)
    if end:
        in_range &= Q(responses__submitted_at__date__lte=end)
    return Survey.objects.annotate(
        response_count=Count("responses", filter=in_range), last_response_at=Max("responses__submitted_at")
    ).order_by("-created_at")
