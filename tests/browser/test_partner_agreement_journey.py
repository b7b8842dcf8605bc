"""Issue 22's partner-agreement journey, in headless Chromium against a live server: a coordinator
moves a partner from "contacted" to "MOU signed" by filing the signed PDF (asking for the stage
first is refused while no MOU is on file); the PDF then opens for coordinators only: every other
role (volunteer, responder, dispatcher) gets 403 and an anonymous visitor the login page, never
the bytes; and the stored file is private (outside MEDIA_ROOT and STATIC_ROOT, no URL, not served
under /media/ or /static/)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .journey import JOURNEY, log_in, new_page, reseed, screenshot_on_failure

pytestmark = JOURNEY

# A one-page PDF (what a scanner makes is longer; the platform only checks the magic and size).
SIGNED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"% MOU between the hotline and Koreatown Mental Health Collective, signed copy\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MARKER = b"Koreatown Mental Health Collective, signed copy"


@pytest.fixture
def partner(db):
    from outreach.models import PartnerStage
    from outreach.tests.factories import PartnerFactory
    from volunteers.tests.factories import UserFactory, VolunteerFactory

    reseed("volunteers", "outreach")
    UserFactory(username="coordinator", roles=("Coordinator",), is_staff=True)
    VolunteerFactory(user__username="volunteer", user__roles=("Volunteer",))
    VolunteerFactory(user__username="responder", user__roles=("Volunteer", "Responder"))
    VolunteerFactory(user__username="dispatcher", user__roles=("Volunteer", "Dispatcher"))
    return PartnerFactory(
        name="Koreatown Mental Health Collective", services=["mental-health"], stage=PartnerStage.CONTACTED
    )


def test_a_coordinator_files_the_signed_mou_and_only_coordinators_can_open_it(
    browser, live_server, partner, tmp_path, settings
):
    from django.utils import timezone

    from outreach.models import PartnerAgreement, PartnerStage

    base = live_server.url
    relationship = f"/outreach/partners/{partner.pk}/relationship/"
    pdf = tmp_path / "mou-signed.pdf"
    pdf.write_bytes(SIGNED_PDF)
    today = timezone.localdate()
    coordinator = new_page(browser)
    with screenshot_on_failure("partner-agreement-journey", coordinator):
        log_in(coordinator, base, "coordinator", next_path=relationship)
        assert coordinator.locator("[data-stage]").get_attribute("data-stage") == "contacted"

        # "MOU signed" without the MOU on file: refused, with the reason, and nothing moves.
        coordinator.select_option("select[name=stage]", PartnerStage.MOU_SIGNED)
        coordinator.click("form[action$='/stage/'] button[type=submit]")
        coordinator.wait_for_load_state()
        assert coordinator.get_by_text("Upload the signed").count() >= 1
        partner.refresh_from_db()
        assert partner.stage == PartnerStage.CONTACTED

        # Filing the signed MOU moves the partner to "MOU signed".
        coordinator.goto(f"{base}{relationship}")
        coordinator.click("summary:has-text('File a signed agreement')")
        form = coordinator.locator("form[action$='/agreements/']")
        form.locator("select[name=kind]").select_option(PartnerAgreement.Kind.MOU)
        form.locator("input[name=title]").fill("Memorandum of understanding 2026")
        form.locator("input[name=signed_on]").fill(today.isoformat())
        form.locator("input[name=starts_on]").fill(today.isoformat())
        form.locator("input[name=renewal_on]").fill((today + timedelta(days=365)).isoformat())
        form.locator("input[name=document]").set_input_files(str(pdf))
        form.locator("button[type=submit]").click()
        coordinator.wait_for_url(f"**{relationship}")
        assert coordinator.locator("[data-stage]").get_attribute("data-stage") == PartnerStage.MOU_SIGNED
        assert coordinator.get_by_text("Contacted → MOU signed").count() == 1
        partner.refresh_from_db()
        assert partner.stage == PartnerStage.MOU_SIGNED
        agreement = PartnerAgreement.objects.get(partner=partner)

        # The coordinator downloads exactly the bytes uploaded.
        with coordinator.expect_download() as download:
            coordinator.click("a:has-text('mou-signed.pdf')")
        assert Path(download.value.path()).read_bytes() == SIGNED_PDF

    document = f"/outreach/agreements/{agreement.pk}/document/"
    for username in ("volunteer", "responder", "dispatcher"):
        page = new_page(browser)
        log_in(page, base, username, next_path="/volunteers/me/shifts/")
        answer = page.request.get(f"{base}{document}", max_redirects=0)
        assert answer.status == 403, (username, answer.status)
        assert MARKER not in answer.body(), username
        page.context.close()
    anonymous = new_page(browser)
    answer = anonymous.request.get(f"{base}{document}", max_redirects=0)
    assert answer.status == 302 and urlsplit(answer.headers["location"]).path == "/accounts/login/"
    assert MARKER not in answer.body()
    anonymous.context.close()

    # Stored privately: under PRIVATE_MEDIA_ROOT only, no URL, not reachable as a media or
    # static file by its stored name.
    stored = Path(agreement.document.path).resolve()
    assert stored.read_bytes() == SIGNED_PDF
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not stored.is_relative_to(Path(public).resolve())
    with pytest.raises(ValueError):
        agreement.document.url  # noqa: B018 - the property raises
    probe = new_page(browser)
    for prefix in (settings.MEDIA_URL, settings.STATIC_URL):
        answer = probe.request.get(f"{base}/{prefix.strip('/')}/{agreement.document.name}", max_redirects=0)
        assert answer.status in (403, 404) and MARKER not in answer.body(), (prefix, answer.status)
