"""Demo data of the outreach app: partners across service types (some stale), events with leads,
a focus group, and the community-needs survey opened with a few responses. Idempotent."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone

from outreach.models import (
    COMMUNITY_NEEDS_SURVEY_SLUG,
    Audience,
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerService,
    PartnerStage,
    Question,
    ServiceType,
    Survey,
    Theme,
)
from outreach.services import (
    partner_agreement_add,
    partner_contact_add,
    partner_stage_set,
    survey_response_submit,
)
from volunteers.models import Area, Language

# name, services, languages, phone, hours ("24/7" or [(weekdays, opens, closes)]), verified days ago
PARTNERS = (
    ("Harbor Street Shelter", ["shelter", "hygiene"], ["en", "es"], "+12025550141", "24/7", 20),
    (
        "Eastside Mental Health Clinic",
        ["mental-health", "medical-clinic"],
        ["en", "ko"],
        "+12025550142",
        [(range(0, 5), "09:00", "17:00")],
        45,
    ),
    (
        "Night Owl Harm Reduction",
        ["harm-reduction", "substance-use"],
        ["en", "es"],
        "+12025550143",
        [(range(0, 7), "20:00", "04:00")],
        10,
    ),
    (
        "Community Food Pantry",
        ["food"],
        ["en", "es", "ko"],
        "+12025550144",
        [([1, 3], "10:00", "14:00"), ([5], "09:00", "12:00")],
        400,
    ),
    (
        "Tenants' Legal Aid Project",
        ["legal-aid", "benefits-housing"],
        ["en", "es"],
        "+12025550145",
        [(range(0, 5), "10:00", "18:00")],
        90,
    ),
    ("Safe Home DV Line", ["domestic-violence"], ["en", "ko", "es"], "+12025550146", "24/7", 250),
    (
        "Youth Drop-in Center",
        ["youth", "peer-support"],
        ["en"],
        "+12025550147",
        [(range(0, 6), "14:00", "21:00")],
        None,
    ),
)


def seed(*, stdout) -> None:
    today = timezone.localdate()
    areas = list(Area.objects.filter(is_active=True)[:3])
    languages = {language.code: language for language in Language.objects.all()}
    services = {service.slug: service for service in ServiceType.objects.all()}
    partners = {}
    for name, service_slugs, codes, phone, hours, verified_days_ago in PARTNERS:
        partner, created = Partner.objects.get_or_create(
            name=name,
            defaults={
                "phone": phone,
                "address": "100 Example Street",
                "description": f"{name} (demo partner).",
                "open_24_7": hours == "24/7",
                "contact_name": "Sam Rivera",
                "last_verified_on": None
                if verified_days_ago is None
                else today - datetime.timedelta(days=verified_days_ago),
            },
        )
        partners[name] = partner
        if not created:
            continue
        partner.languages.set([languages[code] for code in codes if code in languages])
        partner.areas.set(areas)
        for slug in service_slugs:
            PartnerService.objects.get_or_create(partner=partner, service_type=services[slug])
        if hours != "24/7":
            for days, opens, closes in hours:
                for day in days:
                    OpeningHours.objects.create(
                        partner=partner, weekday=day, opens_at=opens, closes_at=closes
                    )

    tabling, _ = Event.objects.get_or_create(
        title="Tabling at the Saturday farmers' market",
        defaults={
            "kind": Event.Kind.TABLING,
            "held_on": today - datetime.timedelta(days=12),
            "place": "Central Plaza",
            "people_reached": 140,
            "area": areas[0] if areas else None,
        },
    )
    Event.objects.get_or_create(
        title="Presentation at the tenants' association",
        defaults={
            "kind": Event.Kind.PRESENTATION,
            "held_on": today - datetime.timedelta(days=40),
            "place": "Library meeting room",
            "people_reached": 35,
            "partner": partners["Tenants' Legal Aid Project"],
        },
    )
    Event.objects.get_or_create(
        title="Training for shelter staff",
        defaults={
            "kind": Event.Kind.PARTNER_TRAINING,
            "held_on": today - datetime.timedelta(days=20),
            "place": "Harbor Street Shelter",
            "people_reached": 12,
            "partner": partners["Harbor Street Shelter"],
        },
    )
    for first, last, email, language, interest in (
        ("Mina", "Seo", "mina.seo@example.org", "ko", Lead.Interest.DISPATCHER),
        ("Luis", "Ortega", "luis.ortega@example.org", "es", Lead.Interest.RESPONDER),
        ("Jordan", "Lee", "jordan.lee@example.org", "en", Lead.Interest.UNSURE),
    ):
        Lead.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "language": language,
                "interest": interest,
                "event": tabling,
            },
        )

    group, created = FocusGroup.objects.get_or_create(
        title="Residents of the east side",
        defaults={
            "held_on": today - datetime.timedelta(days=30),
            "audience": Audience.RESIDENTS,
            "facilitator": "Cora Kim",
            "participants": 11,
            "notes": "Most had called 911 for a neighbour in crisis and regretted it.",
        },
    )
    if created:
        group.themes.set(
            [
                Theme.objects.get_or_create(name=name)[0]
                for name in ("distrust of police", "language access", "speed of response")
            ]
        )

    survey = Survey.objects.filter(slug=COMMUNITY_NEEDS_SURVEY_SLUG).first()
    if survey is not None and not survey.responses.exists():
        if survey.status == Survey.Status.DRAFT:
            survey.status = Survey.Status.OPEN
            survey.save(update_fields=["status"])
        for index, language in enumerate(("en", "es", "ko", "es")):
            survey_response_submit(
                survey=survey,
                submission=secrets.token_hex(16),
                language=language,
                answers=_demo_answers(survey, index),
            )
    _seed_relationships(partners, today)
    stdout.write(
        "outreach: partners (at several relationship stages, one MOU on file), events with leads, a "
        "focus group and survey responses are in place."
    )


# Where the relationship with each demo partner stands (the stages it went through, in order).
RELATIONSHIPS = {
    "Eastside Mental Health Clinic": [
        PartnerStage.CONTACTED,
        PartnerStage.MEETING_HELD,
        PartnerStage.MOU_DRAFTED,
    ],
    "Harbor Street Shelter": [PartnerStage.CONTACTED, PartnerStage.MEETING_HELD],
    "Night Owl Harm Reduction": [PartnerStage.CONTACTED, PartnerStage.MEETING_HELD, PartnerStage.MOU_DRAFTED],
    "Community Food Pantry": [PartnerStage.CONTACTED],
    "Tenants' Legal Aid Project": [PartnerStage.IDENTIFIED],
}
# A stand-in for the scanned signed MOU (a PDF that says it is a demo document).
DEMO_MOU_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"% Demo document: stands in for the signed memorandum of understanding.\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _seed_relationships(partners: dict[str, Partner], today: datetime.date) -> None:
    """Stages, a contact log and, for the mental-health clinic, the signed MOU (renewal due within
    the reminder window, so the renewal reminder has something to say). Only for partners with no
    history yet."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    coordinator = get_user_model().objects.filter(username="coordinator").first()
    for name, stages in RELATIONSHIPS.items():
        partner = partners.get(name)
        if partner is None or partner.stage_changes.exists() or partner.contacts.exists():
            continue
        for stage in stages:
            if partner.stage != stage:
                partner = partner_stage_set(partner=partner, stage=stage, by=coordinator)
        for days_ago, kind, summary in (
            (60, PartnerContact.Kind.EMAIL, "Introduced the hotline and asked for a first meeting."),
            (
                45,
                PartnerContact.Kind.MEETING,
                "Met the director: referral hours, languages, a contact person.",
            ),
            (20, PartnerContact.Kind.CALL, "Went through the draft MOU together."),
        )[: len(stages)]:
            partner_contact_add(
                partner=partner,
                kind=kind,
                happened_on=today - datetime.timedelta(days=days_ago),
                summary=summary,
                with_whom=partner.contact_name,
                by=coordinator,
            )
    clinic = partners.get("Eastside Mental Health Clinic")
    if clinic is not None and not clinic.agreements.exists():
        partner_agreement_add(
            partner=clinic,
            kind=PartnerAgreement.Kind.MOU,
            title="Referral MOU (demo)",
            signed_on=today - datetime.timedelta(days=340),
            starts_on=today - datetime.timedelta(days=335),
            ends_on=today + datetime.timedelta(days=30),
            renewal_on=today + datetime.timedelta(days=25),
            document=ContentFile(DEMO_MOU_PDF, name="eastside-mou-signed.pdf"),
            by=coordinator,
        )


def _demo_answers(survey: Survey, index: int) -> dict[int, object]:
    answers: dict[int, object] = {}
    for question in survey.questions.prefetch_related("options"):
        options = list(question.options.all())
        if question.kind == Question.Kind.SINGLE:
            answers[question.pk] = options[index % len(options)].pk
        elif question.kind == Question.Kind.MULTIPLE:
            answers[question.pk] = [options[index % len(options)].pk, options[(index + 2) % len(options)].pk]
        elif question.kind == Question.Kind.SCALE:
            answers[question.pk] = 2 + index % 4
        elif index % 2 == 0:
            answers[question.pk] = "Someone who speaks Korean and does not bring the police."
    return answers
