"""The audit trail: who viewed and changed intakes and incidents, also in bulk, and by whom."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditTarget
from audit.selectors import audit_entries
from audit.services import Action, audit_record
from dispatch.models import Incident
from dispatch.selectors import responder_path
from dispatch.tests.factories import SEND_ANSWERS, claimed, committing, responder_on_shift, send_responders
from hotline import messaging
from hotline import services as hotline_services
from hotline.models import Intake
from hotline.tests.factories import CallFactory, IntakeFactory
from retention.services import AUDIT_ACTOR, contacts_redact

pytestmark = pytest.mark.django_db

INTAKE, INCIDENT = "hotline.intake", "dispatch.incident"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "memory"
    settings.HOTLINE_NUMBER = "+12025550100"
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.LANGUAGE_CODE = "en"
    messaging.outbox.clear()
    yield
    messaging.outbox.clear()


@pytest.fixture
def staff_coordinator(coordinator):
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return coordinator


def history(subject: str, pk: int) -> list[tuple[str, str, str]]:
    """(action, what, who) of a record, oldest first."""
    entries = audit_entries(subject=subject, object_id=pk).order_by("at", "pk")
    return [(entry.action, entry.what, entry.who) for entry in entries]


# --- the service ----------------------------------------------------------------------------------


def test_an_entry_names_every_record_it_touched_once(dispatcher):
    entry = audit_record(
        action=Action.CHANGED,
        subject=Intake,
        ids=[5, 3, 5, 2500, 3],
        what="bulk",
        actor=dispatcher,
        fields=["status", "status", "summary"],
        path="/x/?caller=+12025550143",
    )
    assert entry.subject == INTAKE
    assert entry.targets_count == 3 and entry.object_id is None
    assert sorted(entry.targets.values_list("object_id", flat=True)) == [3, 5, 2500]
    assert entry.fields == ["status", "summary"]
    assert entry.path == "/x/"  # query strings (which may carry numbers) are not kept
    single = audit_record(action=Action.VIEWED, subject=INTAKE, ids=[7], what="one", actor=dispatcher)
    assert single.object_id == 7


def test_an_entry_needs_someone_and_a_known_action(dispatcher):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="user or an actor label"):
        audit_record(action=Action.VIEWED, subject=INTAKE, ids=[1], what="x", actor=AnonymousUser())
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_record(action="peeked", subject=INTAKE, ids=[1], what="x", actor=dispatcher)
    assert not AuditEntry.objects.exists()


def test_bulk_and_single_entries_are_found_by_record(dispatcher):
    bulk = audit_record(
        action=Action.CHANGED, subject=INTAKE, ids=range(1, 3001), what="bulk", actor=dispatcher
    )
    one = audit_record(action=Action.VIEWED, subject=INTAKE, ids=[1234], what="one", actor=dispatcher)
    audit_record(action=Action.VIEWED, subject=INCIDENT, ids=[1234], what="other kind", actor=dispatcher)
    assert AuditTarget.objects.filter(entry=bulk).count() == 3000
    assert list(audit_entries(subject=INTAKE, object_id=1234)) == [one, bulk]
    assert list(audit_entries(subject=INTAKE, object_id=3001)) == []


# --- the console -------------------------------------------------------------------------------------


def test_a_dispatchers_work_on_an_intake_and_its_incident_is_on_the_trail(client, dispatcher):
    responders = [responder_on_shift() for _ in range(2)]
    intake = IntakeFactory()
    client.force_login(dispatcher)
    assert client.post(reverse("dispatch:intake_claim", args=[intake.pk])).status_code == 302
    assert client.get(reverse("dispatch:intake", args=[intake.pk])).status_code == 200
    data = {f"q_{key}": value for key, value in SEND_ANSWERS.items()}
    data.update({"decision": "send_responders", "team_size": "2"})
    with committing():
        response = client.post(reverse("dispatch:intake_decide", args=[intake.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get(triage__intake=intake)
    assert client.get(reverse("dispatch:incident", args=[incident.pk])).status_code == 200
    client.get(reverse("dispatch:incident_live", args=[incident.pk]))  # polling: not recorded
    client.post(reverse("dispatch:incident_status", args=[incident.pk]), {"status": "en_route"})
    client.post(reverse("dispatch:incident_status", args=[incident.pk]), {"status": "no-such-status"})

    assert history(INTAKE, intake.pk) == [
        ("changed", "claimed", "disp"),
        ("viewed", "intake page", "disp"),
        ("changed", "triaged: send_responders", "disp"),
    ]
    assert history(INCIDENT, incident.pk) == [
        ("created", "opened", "disp"),
        ("viewed", "incident page", "disp"),
        ("changed", "status: en_route", "disp"),
    ]
    assert {entry.path for entry in AuditEntry.objects.filter(what="incident page")} == {
        reverse("dispatch:incident", args=[incident.pk])
    }
    assert responders  # on shift, so the incident could be opened


def test_a_refused_page_is_not_recorded_as_seen(client, dispatcher, responder):
    triage = claimed(user=dispatcher)
    client.force_login(responder)
    assert client.get(reverse("dispatch:intake", args=[triage.intake_id])).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.VIEWED).exists()


def test_a_responders_link_is_recorded_under_their_account(client, dispatcher):
    volunteer = responder_on_shift()
    triage = send_responders(user=dispatcher, responders=[volunteer])
    incident = triage.incident
    path = responder_path(incident=incident, volunteer=volunteer)
    assert client.get(path).status_code == 200  # no login: the signed link is the credential
    assert client.post(f"{path}act/", {"action": "accept"}).status_code == 302
    entries = list(audit_entries(subject=INCIDENT, object_id=incident.pk).filter(actor=volunteer.user))
    assert [(entry.action, entry.what) for entry in reversed(entries)] == [
        ("viewed", "responder page"),
        ("changed", "accept"),
    ]
    assert all(entry.actor_label == f"responder link: {volunteer}" for entry in entries)


# --- hotline pages and the hand-off API ------------------------------------------------------------


def test_the_call_log_and_an_intakes_conversation_are_recorded(client, dispatcher):
    calls = [CallFactory() for _ in range(3)]
    intake = IntakeFactory(call=calls[0])
    client.force_login(dispatcher)
    assert client.get(reverse("hotline:call_list")).status_code == 200
    assert client.get(reverse("hotline:intake_detail", args=[intake.pk])).status_code == 200
    log = AuditEntry.objects.get(what="call log")
    assert sorted(log.targets.values_list("object_id", flat=True)) == sorted(call.pk for call in calls)
    assert history(INTAKE, intake.pk) == [("viewed", "conversation page", "disp")]


def test_a_partner_hand_off_is_recorded_as_created_by_the_partner(client, coordinator):
    partner = hotline_services.handoff_partner_create(name="DC 911", source=Intake.Source.TRANSFER_911)
    _key, raw = hotline_services.handoff_key_issue(partner=partner, by=coordinator)
    body = {"reference": "CAD-1", "call_type": "welfare check", "notes": "cold, confused"}
    for _ in range(2):  # the second is the same reference: no new intake, nothing recorded
        client.post(
            "/api/v1/handoffs/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    intake = Intake.objects.get()
    assert history(INTAKE, intake.pk) == [("created", "hand-off received", "hand-off API: DC 911")]


# --- the admin ---------------------------------------------------------------------------------------


def test_admin_views_saves_and_bulk_actions_are_recorded(client, staff_coordinator):
    intakes = [IntakeFactory(status=Intake.Status.NEW) for _ in range(3)]
    already_closed = IntakeFactory(status=Intake.Status.CLOSED)
    client.force_login(staff_coordinator)
    changelist = reverse("admin:hotline_intake_changelist")
    assert client.get(changelist).status_code == 200
    listed = AuditEntry.objects.get(what="admin: list")
    assert listed.targets_count == 4 and listed.actor == staff_coordinator
    response = client.post(
        changelist,
        {"action": "close_selected", "_selected_action": [i.pk for i in intakes] + [already_closed.pk]},
    )
    assert response.status_code == 302
    assert Intake.objects.filter(status=Intake.Status.CLOSED).count() == 4
    bulk = AuditEntry.objects.get(what="admin action: close_selected")
    assert bulk.action == "changed"
    assert sorted(bulk.targets.values_list("object_id", flat=True)) == sorted(
        [i.pk for i in intakes] + [already_closed.pk]
    )
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [intakes[0].pk, intakes[1].pk], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEntry.objects.get(what="admin: deleted selected")
    assert (deleted.action, sorted(deleted.targets.values_list("object_id", flat=True))) == (
        "deleted",
        sorted([intakes[0].pk, intakes[1].pk]),
    )
    assert history(INTAKE, intakes[2].pk)[-1] == ("changed", "admin action: close_selected", "coord")


def test_every_admin_of_caller_records_is_audited():
    from audit.admin import AuditedAdminMixin
    from dispatch.models import Triage
    from hotline.models import Call, Message

    for model in (Intake, Call, Message, Incident, Triage):
        assert isinstance(site._registry[model], AuditedAdminMixin), model


# --- retention ---------------------------------------------------------------------------------------


def test_the_nightly_redaction_is_one_bulk_entry_per_batch_by_the_system():
    old = timezone.now() - timedelta(days=400)
    intakes = [
        IntakeFactory(created_at=old, status=Intake.Status.CLOSED, caller=f"+1202555{n:04d}", summary="x")
        for n in range(5)
    ]
    contacts_redact(older_than_days=365, batch_size=2)
    entries = AuditEntry.objects.filter(what="redacted intakes").order_by("pk")
    assert [entry.targets_count for entry in entries] == [2, 2, 1]
    assert {entry.who for entry in entries} == {AUDIT_ACTOR}
    assert all(entry.actor_id is None for entry in entries)
    touched = AuditTarget.objects.filter(entry__in=entries).values_list("object_id", flat=True)
    assert sorted(touched) == sorted(intake.pk for intake in intakes)
    assert "caller" in entries[0].fields and "summary" in entries[0].fields


# --- the page ----------------------------------------------------------------------------------------


def test_coordinators_read_the_trail_filtered_by_record(client, coordinator, dispatcher):
    audit_record(
        action=Action.CHANGED, subject=INTAKE, ids=[41, 42, 43], what="bulk close", actor=coordinator
    )
    audit_record(action=Action.VIEWED, subject=INTAKE, ids=[42], what="intake page", actor=dispatcher)
    audit_record(action=Action.VIEWED, subject=INTAKE, ids=[99], what="someone else", actor=dispatcher)
    client.force_login(coordinator)
    page = client.get(reverse("audit:entries"), {"subject": INTAKE, "object_id": 42})
    assert page.status_code == 200
    assert [entry.what for entry in page.context["page"]] == ["intake page", "bulk close"]
    assert "no-store" in page["Cache-Control"]
    everyone = client.get(reverse("audit:entries"), {"actor": dispatcher.pk})
    assert [entry.what for entry in everyone.context["page"]] == ["someone else", "intake page"]


def test_a_record_number_without_its_type_is_a_clear_error(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("audit:entries"), {"object_id": 42})
    assert page.status_code == 400
    assert "Choose the record type" in page.content.decode()


def test_only_coordinators_read_the_trail(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(reverse("audit:entries")).status_code == 403
    client.logout()
    assert client.get(reverse("audit:entries")).status_code == 302


@pytest.mark.parametrize(
    ("language", "title", "label"),
    [("ko", "감사 기록", "기록 종류"), ("es", "Registro de auditoría", "Tipo de registro")],
)
def test_the_page_speaks_korean_and_spanish(client, coordinator, language, title, label):
    client.force_login(coordinator)
    page = client.get(reverse("audit:entries"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert title in page and label in page


# --- what the trail shows -------------------------------------------------------------------------


def test_a_responders_link_is_stored_without_its_token(client, dispatcher):
    volunteer = responder_on_shift()
    incident = send_responders(user=dispatcher, responders=[volunteer]).incident
    path = responder_path(incident=incident, volunteer=volunteer)
    token = path.rstrip("/").rsplit("/", 1)[1]
    client.get(path)
    client.post(f"{path}act/", {"action": "accept"})
    stored = sorted(AuditEntry.objects.filter(actor=volunteer.user).values_list("path", flat=True))
    assert stored == ["/dispatch/r/[token]/", "/dispatch/r/[token]/act/"]
    assert not AuditEntry.objects.filter(path__contains=token).exists()
    assert client.get(stored[0]).status_code != 200  # the stored page opens nothing


def test_the_trail_names_records_acts_and_pages_as_a_coordinator_knows_them(client, coordinator, dispatcher):
    volunteer = responder_on_shift()
    incident = send_responders(user=dispatcher, responders=[volunteer]).incident
    intake = IntakeFactory()
    client.force_login(dispatcher)
    client.get(reverse("hotline:intake_detail", args=[intake.pk]))
    client.get(reverse("dispatch:incident", args=[incident.pk]))
    client.post(reverse("dispatch:incident_status", args=[incident.pk]), {"status": "en_route"})
    client.get(responder_path(incident=incident, volunteer=volunteer))
    audit_record(
        action=Action.CHANGED, subject=INTAKE, ids=[1, 2, 3], what="redacted intakes", actor=coordinator
    )
    client.force_login(coordinator)
    page = client.get(reverse("audit:entries")).content.decode()
    text = " ".join(page.split("<tbody>", 1)[1].split())  # the table (the filter's values are labels)
    assert f"<td>intake #{intake.pk}</td>" in text
    assert f"<td>incident {incident.code}</td>" in text
    assert "hotline.intake" not in text and "dispatch.incident #" not in text
    assert "<td>conversation page</td>" in text and "<td>status: En route</td>" in text
    assert "responder&#x27;s signed link" in text or "responder's signed link" in text
    assert "intake × 3" in text

    korean = " ".join(
        client.get(reverse("audit:entries"), HTTP_ACCEPT_LANGUAGE="ko").content.decode().split()
    )
    for english in ("conversation page", "incident page", "status: En route", "signed link"):
        assert english not in korean, english
