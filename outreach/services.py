"""State changes of the outreach app. Each service validates and owns its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import Action as AuditAction
from audit.services import audit_record
from outreach.models import (
    SURVEY_LANGUAGES,
    Answer,
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Option,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerService,
    PartnerStage,
    PartnerStageChange,
    Question,
    ServiceType,
    Survey,
    SurveyResponse,
    Theme,
)


def _assign(instance, data: Mapping[str, object]) -> None:
    for name, value in data.items():
        setattr(instance, name, value)


# --- Partner directory -------------------------------------------------------------------------


def partner_save(
    *,
    partner: Partner | None = None,
    fields: Mapping[str, object],
    services: Iterable[ServiceType],
    languages: Iterable,
    areas: Iterable,
    hours: Sequence[Mapping[str, object]],
) -> Partner:
    """Create or update a partner with its services, languages, areas and weekly hours.

    `hours` replaces the partner's opening hours: dicts of weekday, opens_at, closes_at.
    """
    services = list(services)
    if not services:
        raise ValidationError(_("A partner offers at least one service."))
    for period in hours:
        if period["opens_at"] == period["closes_at"]:
            raise ValidationError(_("Opening and closing times are the same; tick “open 24/7” instead."))
    with transaction.atomic():
        partner = partner or Partner()
        _assign(partner, fields)
        partner.full_clean(exclude=["services", "languages", "areas"])
        partner.save()
        partner.languages.set(languages)
        partner.areas.set(areas)
        wanted = {service.pk for service in services}
        partner.partner_services.exclude(service_type__in=wanted).delete()
        existing = set(partner.partner_services.values_list("service_type_id", flat=True))
        PartnerService.objects.bulk_create(
            PartnerService(partner=partner, service_type_id=pk) for pk in sorted(wanted - existing)
        )
        partner.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(
                partner=partner, weekday=p["weekday"], opens_at=p["opens_at"], closes_at=p["closes_at"]
            )
            for p in hours
        )
    return partner


# --- Partner relationship and agreements -------------------------------------------------------

# The agreement kind a stage needs on file (current on the day of the move).
STAGE_NEEDS_AGREEMENT = {
    PartnerStage.MOU_SIGNED: PartnerAgreement.Kind.MOU,
    PartnerStage.DATA_SHARING_SIGNED: PartnerAgreement.Kind.DATA_SHARING,
}
# The stage a newly filed agreement moves a partner to (when the partner is not already further).
AGREEMENT_MOVES_TO = {kind: stage for stage, kind in STAGE_NEEDS_AGREEMENT.items()}
_STAGE_ORDER = list(PartnerStage.values)
PDF_MAGIC = b"%PDF-"


def _stage_move(*, partner: Partner, stage: str, by, note: str) -> PartnerStageChange:
    change = PartnerStageChange.objects.create(
        partner=partner, from_stage=partner.stage, to_stage=stage, note=note[:300], changed_by=by
    )
    partner.stage = stage
    partner.save(update_fields=["stage"])
    return change


def partner_stage_set(*, partner: Partner, stage: str, by, note: str = "") -> Partner:
    """Move a partner to another relationship stage and keep the move in its history.

    A signed stage needs the matching agreement on file and current today.
    """
    if stage not in PartnerStage.values:
        raise ValidationError(_("Unknown relationship stage."))
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.stage == stage:
            raise ValidationError(_("The partner is already at this stage."))
        needed = STAGE_NEEDS_AGREEMENT.get(stage)
        if needed is not None:
            today = timezone.localdate()
            if not any(a.is_current_on(today) for a in partner.agreements.filter(kind=needed)):
                raise ValidationError(
                    _("Upload the signed %(kind)s first: this stage needs it on file.")
                    % {"kind": PartnerAgreement.Kind(needed).label}
                )
        _stage_move(partner=partner, stage=stage, by=by, note=note)
    return partner


def _check_pdf(document) -> None:
    if document is None:
        raise ValidationError(_("Attach the signed document."))
    if document.size > settings.PRIVATE_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.PRIVATE_UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    document.seek(0)
    head = document.read(len(PDF_MAGIC))
    document.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(_("The signed document must be a PDF file."))


def partner_agreement_add(
    *,
    partner: Partner,
    kind: str,
    signed_on: datetime.date,
    starts_on: datetime.date,
    document,
    by,
    ends_on: datetime.date | None = None,
    renewal_on: datetime.date | None = None,
    title: str = "",
) -> PartnerAgreement:
    """File a signed agreement (a PDF, stored privately) and, for an MOU or a data-sharing
    agreement, move the partner to the matching signed stage unless it is already further."""
    _check_pdf(document)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(_("The agreement ends before it starts."))
    if signed_on > timezone.localdate():
        raise ValidationError(_("The signing date is in the future."))
    agreement = PartnerAgreement(
        partner=partner,
        kind=kind,
        title=title,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        renewal_on=renewal_on,
        document_name=(getattr(document, "name", "") or "agreement.pdf").rsplit("/", 1)[-1][:200],
        uploaded_by=by,
    )
    agreement.full_clean(exclude=["document", "partner", "uploaded_by"])
    try:
        with transaction.atomic():
            partner = Partner.objects.select_for_update().get(pk=partner.pk)
            agreement.partner = partner
            agreement.document.save("agreement.pdf", document, save=False)
            agreement.save()
            audit_record(
                action=AuditAction.CREATED,
                subject=PartnerAgreement,
                ids=[agreement.pk],
                what="partner agreement",
                actor=by,
                actor_label="" if by is not None else "system: partner_agreement_add",
            )
            target = AGREEMENT_MOVES_TO.get(kind)
            if (
                target is not None
                and partner.stage != PartnerStage.INACTIVE
                and _STAGE_ORDER.index(partner.stage) < _STAGE_ORDER.index(target)
            ):
                _stage_move(
                    partner=partner,
                    stage=target,
                    by=by,
                    note=_("Signed %(kind)s filed.") % {"kind": agreement.get_kind_display()},
                )
    except BaseException:
        if agreement.document.name:
            agreement.document.storage.delete(agreement.document.name)
        raise
    return agreement


def partner_contact_add(
    *,
    partner: Partner,
    kind: str,
    happened_on: datetime.date,
    summary: str,
    by,
    with_whom: str = "",
    follow_up: str = "",
) -> PartnerContact:
    contact = PartnerContact(
        partner=partner,
        kind=kind,
        happened_on=happened_on,
        summary=summary,
        with_whom=with_whom,
        follow_up=follow_up,
        recorded_by=by,
    )
    contact.full_clean(exclude=["recorded_by"])
    if happened_on > timezone.localdate():
        raise ValidationError(_("The contact date is in the future."))
    with transaction.atomic():
        contact.save()
    return contact


def _renewal_recipients() -> list[str]:
    from volunteers.roles import Role

    User = get_user_model()
    return sorted(
        set(
            User.objects.filter(is_active=True, groups__name=Role.COORDINATOR)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def agreement_renewal_reminders_send(*, today: datetime.date | None = None) -> int:
    """Email coordinators about agreements whose renewal date is near: once per agreement and
    renewal date (the row is claimed before the send; a failed send releases the claim)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.OUTREACH_RENEWAL_REMINDER_DAYS)
    due = (
        PartnerAgreement.objects.filter(
            renewal_on__gte=today, renewal_on__lte=horizon, partner__is_active=True
        )
        .exclude(partner__stage=PartnerStage.INACTIVE)
        .exclude(renewal_reminded_for=F("renewal_on"))
        .select_related("partner")
    )
    recipients = _renewal_recipients()
    if not recipients:
        return 0
    sent = 0
    for agreement in due:
        previous = agreement.renewal_reminded_for
        claimed = (
            PartnerAgreement.objects.filter(pk=agreement.pk, renewal_on=agreement.renewal_on)
            .exclude(renewal_reminded_for=agreement.renewal_on)
            .update(renewal_reminded_for=agreement.renewal_on)
        )
        if claimed != 1:
            continue
        context = {
            "partner": agreement.partner.name,
            "kind": agreement.get_kind_display(),
            "date": agreement.renewal_on.isoformat(),
            "url": settings.PUBLIC_BASE_URL
            + reverse("outreach:partner_relationship", args=[agreement.partner_id]),
        }
        try:
            send_mail(
                subject=_("Agreement renewal due: %(partner)s on %(date)s") % context,
                message=_(
                    "The %(kind)s with %(partner)s is due for renewal on %(date)s.\n\n"
                    "Record the renewed agreement on the partner's relationship page: %(url)s"
                )
                % context,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        except Exception:
            PartnerAgreement.objects.filter(
                pk=agreement.pk, renewal_reminded_for=agreement.renewal_on
            ).update(renewal_reminded_for=previous)
            raise
        sent += 1
    return sent


def partner_mark_verified(*, partner: Partner, on: datetime.date | None = None) -> Partner:
    partner.last_verified_on = on or timezone.localdate()
    partner.save(update_fields=["last_verified_on"])
    return partner


# --- Survey builder ----------------------------------------------------------------------------


def survey_structure_locked(survey: Survey) -> bool:
    """Once anyone answered, questions and options may be reworded but not added, removed or retyped."""
    return survey.responses.exists()


def _check_written(item, field: str, message: str) -> None:
    """A text is needed in one language at least; the others show it until translated."""
    if not any(getattr(item, f"{field}_{code}") for code in SURVEY_LANGUAGES):
        raise ValidationError(message)


def survey_save(
    *, survey: Survey | None = None, fields: Mapping[str, object], by: AbstractBaseUser | None = None
) -> Survey:
    """Create (always as a draft: questions come first) or update a survey."""
    with transaction.atomic():
        creating = survey is None
        survey = survey or Survey(created_by=by)
        _assign(survey, fields)
        _check_written(survey, "title", _("Give the survey a title in at least one language."))
        if survey.status == Survey.Status.OPEN and (creating or not survey.questions.exists()):
            raise ValidationError(_("Add at least one question before opening the survey."))
        survey.full_clean()
        survey.save()
    return survey


def question_save(
    *,
    survey: Survey,
    question: Question | None = None,
    fields: Mapping[str, object],
    options: Sequence[Mapping[str, object]] = (),
) -> Question:
    """Create or update a question with its options, in the order given.

    `options` are dicts with `option` (an existing Option of this question, or None for a new
    one) and `text_en`, `text_ko`, `text_es`. Existing options not listed are deleted. Choice
    questions need at least two options; other kinds have none.
    """
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        locked = survey_structure_locked(survey)
        if question is not None and question.survey_id != survey.pk:
            raise ValidationError(_("This question belongs to another survey."))
        if question is None and locked:
            raise ValidationError(_("People have answered this survey: questions can no longer be added."))
        kind = fields.get("kind", question.kind if question else None)
        if locked and question is not None and kind != question.kind:
            raise ValidationError(_("People have answered this question: its kind can no longer change."))
        if kind in Question.CHOICE_KINDS and len(options) < 2:
            raise ValidationError(_("A choice question needs at least two options."))
        if kind not in Question.CHOICE_KINDS and options:
            raise ValidationError(_("Only choice questions have options."))
        existing = {option.pk: option for option in question.options.all()} if question else {}
        kept = {row["option"].pk for row in options if row.get("option") is not None}
        if not kept <= existing.keys():
            raise ValidationError(_("An option belongs to another question."))
        removed = existing.keys() - kept
        new_rows = [row for row in options if row.get("option") is None]
        if locked and (removed or new_rows):
            raise ValidationError(
                _("People have answered this question: options can no longer be added or removed.")
            )

        if question is None:
            last = survey.questions.aggregate(last=Max("position"))["last"]
            question = Question(survey=survey, position=0 if last is None else last + 1)
        _assign(question, fields)
        _check_written(question, "text", _("Write the question in at least one language."))
        question.full_clean(exclude=["survey"])
        question.save()
        Option.objects.filter(pk__in=removed).delete()
        for position, row in enumerate(options):
            option = row.get("option") or Option(question=question)
            option.position = position
            for code in SURVEY_LANGUAGES:
                setattr(option, f"text_{code}", row[f"text_{code}"])
            _check_written(option, "text", _("Write each option in at least one language."))
            option.full_clean(exclude=["question"])
            option.save()
    return question


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id)
        if survey_structure_locked(survey):
            raise ValidationError(_("People have answered this survey: questions can no longer be removed."))
        question.delete()


def question_move(*, question: Question, up: bool) -> None:
    """Swap a question with its neighbour above or below."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id)
        ordered = list(survey.questions.order_by("position", "pk"))
        index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        # Renumber all, which also repairs equal positions.
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])


# --- Survey responses --------------------------------------------------------------------------


class DuplicateSubmission(Exception):
    """The same signed form was posted twice; the first post's response stands."""


def survey_response_submit(
    *,
    survey: Survey,
    submission: str,
    language: str,
    answers: Mapping[int, object],
    respondent_name: str = "",
    respondent_contact: str = "",
) -> SurveyResponse:
    """Record one response with all its answers, or nothing at all.

    `answers` maps question pk to an option pk (single), a list of option pks (multiple), an
    int 1-5 (scale) or a text. Everything is checked again here against the survey's own
    questions, so no caller can store an answer to another survey's question.
    """
    questions = {question.pk: question for question in survey.questions.prefetch_related("options")}
    rows = []
    for question_pk, value in answers.items():
        question = questions.get(question_pk)
        if question is None:
            raise ValidationError(_("An answer is for a question of another survey."))
        option_ids = {option.pk for option in question.options.all()}
        if question.kind == Question.Kind.SINGLE:
            if value not in option_ids:
                raise ValidationError(_("An option is not one of the question's options."))
            rows.append(Answer(question=question, option_id=value))
        elif question.kind == Question.Kind.MULTIPLE:
            if not value or not set(value) <= option_ids:
                raise ValidationError(_("An option is not one of the question's options."))
            rows.extend(Answer(question=question, option_id=pk) for pk in sorted(set(value)))
        elif question.kind == Question.Kind.SCALE:
            if value not in Question.SCALE_VALUES:
                raise ValidationError(_("A scale answer must be a whole number from 1 to 5."))
            rows.append(Answer(question=question, scale_value=value))
        else:
            text = str(value).strip()
            if text:
                rows.append(Answer(question=question, text=text))
    answered = {row.question.pk for row in rows}
    missing = [q for q in questions.values() if q.required and q.pk not in answered]
    if missing:
        raise ValidationError(_("Some required questions have no answer."))
    if survey.anonymous:
        respondent_name = respondent_contact = ""
    try:
        with transaction.atomic():
            if not Survey.objects.filter(pk=survey.pk, status=Survey.Status.OPEN).exists():
                raise ValidationError(_("This survey is not open."))
            response = SurveyResponse.objects.create(
                survey=survey,
                submission=submission,
                language=language,
                respondent_name=respondent_name.strip(),
                respondent_contact=respondent_contact.strip(),
            )
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
    except IntegrityError as exc:
        if SurveyResponse.objects.filter(submission=submission).exists():
            raise DuplicateSubmission from exc
        raise
    return response


# --- Focus groups, events, leads ---------------------------------------------------------------


def focus_group_save(
    *, focus_group: FocusGroup | None = None, fields: Mapping[str, object], themes: Iterable[str]
) -> FocusGroup:
    """Create or update a session; themes are matched by name regardless of case, new ones created."""
    with transaction.atomic():
        focus_group = focus_group or FocusGroup()
        _assign(focus_group, fields)
        focus_group.full_clean(exclude=["themes"])
        focus_group.save()
        tags = []
        for name in themes:
            theme = Theme.objects.filter(name__iexact=name).first()
            if theme is None:
                theme, _created = Theme.objects.get_or_create(name=name)
            tags.append(theme)
        focus_group.themes.set(tags)
    return focus_group


def event_save(
    *, event: Event | None = None, fields: Mapping[str, object], by: AbstractBaseUser | None = None
) -> Event:
    with transaction.atomic():
        event = event or Event(created_by=by)
        _assign(event, fields)
        event.full_clean()
        event.save()
    return event


def lead_save(*, lead: Lead | None = None, fields: Mapping[str, object]) -> Lead:
    lead = lead or Lead()
    _assign(lead, fields)
    if not lead.email and not lead.phone:
        raise ValidationError(_("Give an email or a phone number so that we can reach them."))
    with transaction.atomic():
        lead.full_clean()
        lead.save()
    return lead
