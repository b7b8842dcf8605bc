"""Partner relationship: stages with history, signed agreements stored privately, the contact
log, renewal reminders (once per agreement and date), the partnership map and readiness."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessment.readiness.checks import partner_agreements_check
from audit.models import AuditEntry
from outreach import services
from outreach.models import PartnerAgreement, PartnerContact, PartnerStage, PartnerStageChange
from outreach.selectors import partnership_map
from outreach.tasks import send_agreement_renewal_reminders
from outreach.tests.factories import PartnerFactory
from volunteers.models import Area

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="mou-signed.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def file_agreement(partner, by, *, kind=PartnerAgreement.Kind.MOU, renewal_on=None, **extra):
    today = timezone.localdate()
    return services.partner_agreement_add(
        partner=partner,
        kind=kind,
        signed_on=today,
        starts_on=today,
        renewal_on=renewal_on,
        document=pdf(),
        by=by,
        **extra,
    )


def test_coordinator_moves_partner_from_contacted_to_mou_signed_and_only_coordinators_get_the_pdf(
    client, coordinator, dispatcher, responder, volunteer_user
):
    partner = PartnerFactory(services=["mental-health"])
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:partner_stage_set", args=[partner.pk]), {"stage": "contacted", "note": "First call"}
    )
    assert response.status_code == 302
    today = timezone.localdate()
    response = client.post(
        reverse("outreach:partner_agreement_add", args=[partner.pk]),
        {
            "kind": "mou",
            "title": "Crisis referrals MOU",
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "renewal_on": (today + datetime.timedelta(days=365)).isoformat(),
            "document": pdf(),
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.stage == PartnerStage.MOU_SIGNED
    history = list(PartnerStageChange.objects.filter(partner=partner).order_by("changed_at", "pk"))
    assert [(c.from_stage, c.to_stage) for c in history] == [
        ("identified", "contacted"),
        ("contacted", "mou_signed"),
    ]
    agreement = PartnerAgreement.objects.get(partner=partner)
    assert agreement.document_name == "mou-signed.pdf"
    # Stored privately: under PRIVATE_MEDIA_ROOT, with no public URL at all.
    from django.conf import settings

    assert agreement.document.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not agreement.document.path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no URL"):
        agreement.document.url  # noqa: B018

    url = reverse("outreach:agreement_document", args=[agreement.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "mou-signed.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    viewed = AuditEntry.objects.filter(
        subject="outreach.partneragreement", object_id=agreement.pk, action="viewed"
    )
    assert viewed.filter(actor=coordinator).count() == 1

    for user in (dispatcher, responder, volunteer_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert viewed.count() == 1


def test_signed_stage_needs_the_agreement_on_file():
    partner = PartnerFactory()
    with pytest.raises(ValidationError, match="Upload the signed"):
        services.partner_stage_set(partner=partner, stage=PartnerStage.MOU_SIGNED, by=None)
    with pytest.raises(ValidationError, match="already at this stage"):
        services.partner_stage_set(partner=partner, stage=PartnerStage.IDENTIFIED, by=None)
    partner.refresh_from_db()
    assert partner.stage == PartnerStage.IDENTIFIED
    assert not partner.stage_changes.exists()


def test_only_pdfs_are_accepted_and_nothing_is_left_on_disk(coordinator):
    from django.conf import settings

    partner = PartnerFactory()
    with pytest.raises(ValidationError, match="PDF"):
        services.partner_agreement_add(
            partner=partner,
            kind="mou",
            signed_on=timezone.localdate(),
            starts_on=timezone.localdate(),
            document=pdf("x.pdf", b"<html>not a pdf</html>"),
            by=coordinator,
        )
    assert not PartnerAgreement.objects.exists()
    assert not any(settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf"))


def test_a_data_sharing_agreement_moves_further_but_an_mou_never_moves_back(coordinator):
    partner = PartnerFactory()
    file_agreement(partner, coordinator, kind=PartnerAgreement.Kind.DATA_SHARING)
    partner.refresh_from_db()
    assert partner.stage == PartnerStage.DATA_SHARING_SIGNED
    file_agreement(partner, coordinator, kind=PartnerAgreement.Kind.MOU)
    partner.refresh_from_db()
    assert partner.stage == PartnerStage.DATA_SHARING_SIGNED


def test_contact_log_is_recorded_from_the_relationship_page(client, coordinator):
    partner = PartnerFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("outreach:partner_contact_add", args=[partner.pk]),
        {"kind": "meeting", "happened_on": timezone.localdate().isoformat(), "summary": "Met the director"},
    )
    assert response.status_code == 302
    contact = PartnerContact.objects.get(partner=partner)
    assert contact.recorded_by == coordinator
    page = client.get(reverse("outreach:partner_relationship", args=[partner.pk]))
    assert "Met the director" in page.content.decode()
    bad = client.post(reverse("outreach:partner_contact_add", args=[partner.pk]), {"kind": "call"})
    assert bad.status_code == 400
    assert PartnerContact.objects.count() == 1


def test_renewal_reminder_goes_once_per_agreement_and_renewal_date(coordinator, settings):
    settings.OUTREACH_RENEWAL_REMINDER_DAYS = 30
    coordinator.email = "coord@example.org"
    coordinator.save()
    today = timezone.localdate()
    partner = PartnerFactory(name="Harbor Clinic")
    soon = file_agreement(partner, coordinator, renewal_on=today + datetime.timedelta(days=10))
    file_agreement(PartnerFactory(), coordinator, renewal_on=today + datetime.timedelta(days=90))

    assert send_agreement_renewal_reminders.delay().get() == 1
    assert send_agreement_renewal_reminders.delay().get() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["coord@example.org"]
    assert "Harbor Clinic" in mail.outbox[0].subject
    assert f"/outreach/partners/{partner.pk}/relationship/" in mail.outbox[0].body

    # A new renewal date is a new reminder (once again).
    PartnerAgreement.objects.filter(pk=soon.pk).update(renewal_on=today + datetime.timedelta(days=20))
    assert services.agreement_renewal_reminders_send() == 1
    assert services.agreement_renewal_reminders_send() == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_releases_the_claim(coordinator, monkeypatch):
    coordinator.email = "coord@example.org"
    coordinator.save()
    agreement = file_agreement(
        PartnerFactory(), coordinator, renewal_on=timezone.localdate() + datetime.timedelta(days=3)
    )

    def broken(**kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.agreement_renewal_reminders_send()
    agreement.refresh_from_db()
    assert agreement.renewal_reminded_for is None
    monkeypatch.undo()
    assert services.agreement_renewal_reminders_send() == 1


def test_partnership_map_shows_stages_and_gaps_by_service_and_area(client, coordinator):
    koreatown = Area.objects.create(name="Koreatown", slug="koreatown")
    westlake = Area.objects.create(name="Westlake", slug="westlake")
    shelter_day = PartnerFactory(name="Day Shelter", services=["shelter"], areas=[koreatown])
    file_agreement(shelter_day, coordinator)
    PartnerFactory(name="Night Shelter", services=["shelter"], areas=[westlake], open_24_7=True)

    result = partnership_map()
    assert "No 24/7 Shelter partner in Koreatown." in result.gaps
    assert "No 24/7 Shelter partner in Westlake." not in result.gaps
    assert "No Shelter partner with a signed agreement in Westlake." in result.gaps
    assert "No Shelter partner with a signed agreement in Koreatown." not in result.gaps
    shelter_row = next(columns for service, columns in result.by_stage if service.slug == "shelter")
    stages = [value for value, _label in result.stages]
    assert [p.name for p in shelter_row[stages.index("mou_signed")]] == ["Day Shelter"]
    assert [p.name for p in shelter_row[stages.index("identified")]] == ["Night Shelter"]

    client.force_login(coordinator)
    page = client.get(reverse("outreach:partnership_map")).content.decode()
    assert "No 24/7 Shelter partner in Koreatown." in page


def test_readiness_needs_an_mou_in_force_with_a_mental_health_partner(coordinator):
    assert not partner_agreements_check().ok
    food = PartnerFactory(services=["food"])
    file_agreement(food, coordinator)
    assert not partner_agreements_check().ok
    clinic = PartnerFactory(name="Mind Clinic", services=["mental-health"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.partner_agreement_add(
        partner=clinic,
        kind="mou",
        signed_on=yesterday - datetime.timedelta(days=400),
        starts_on=yesterday - datetime.timedelta(days=400),
        ends_on=yesterday,
        document=pdf(),
        by=coordinator,
    )
    assert not partner_agreements_check().ok, "an expired MOU does not count"
    file_agreement(clinic, coordinator)
    check = partner_agreements_check()
    assert check.ok
    assert "Mind Clinic" in check.summary


def test_services_accept_no_acting_user_for_system_imports():
    partner = PartnerFactory()
    agreement = file_agreement(partner, None)
    assert agreement.uploaded_by is None
    contact = services.partner_contact_add(
        partner=partner, kind="email", happened_on=timezone.localdate(), summary="Sent the draft", by=None
    )
    assert contact.recorded_by is None


def test_an_mou_that_ended_is_a_gap_on_the_partnership_map_again(coordinator):
    """The map agrees with the readiness check: a partner still at "MOU signed" whose MOU ended
    no longer covers its area."""
    koreatown = Area.objects.create(name="Koreatown", slug="koreatown")
    clinic = PartnerFactory(name="Mind Clinic", services=["mental-health"], areas=[koreatown])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.partner_agreement_add(
        partner=clinic,
        kind="mou",
        signed_on=yesterday - datetime.timedelta(days=400),
        starts_on=yesterday - datetime.timedelta(days=400),
        ends_on=yesterday + datetime.timedelta(days=1),
        document=pdf(),
        by=coordinator,
    )
    clinic.refresh_from_db()
    assert clinic.stage == PartnerStage.MOU_SIGNED
    gap = "No Mental-health care partner with a signed agreement in Koreatown."
    assert gap not in partnership_map().gaps
    PartnerAgreement.objects.filter(partner=clinic).update(ends_on=yesterday)
    assert gap in partnership_map().gaps
    assert not partner_agreements_check().ok
