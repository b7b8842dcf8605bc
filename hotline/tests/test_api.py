"""The hand-off API: keys, authentication, validation, idempotency and the OpenAPI description."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from hotline import services
from hotline.models import Handoff, HandoffApiKey, HandoffPartner, Intake
from volunteers.tests.factories import AreaFactory

URL = "/api/v1/handoffs/"
BODY = {
    "reference": "CAD-2026-000123",
    "call_type": "welfare_check",
    "location": "Bus stop, 14th St & Park Rd NW",
    "area": "columbia-heights",
    "language": "es",
    "callback_number": "+1 202 555 0143",
    "notes": "Man sitting in the rain, confused, not violent.",
}


@pytest.fixture
def partner(db):
    return services.handoff_partner_create(name="DC 911 (OUC)", source=Intake.Source.TRANSFER_911)


@pytest.fixture
def api_key(partner, coordinator):
    _key, raw = services.handoff_key_issue(partner=partner, by=coordinator)
    return raw


@pytest.fixture
def area(db):
    return AreaFactory(name="Columbia Heights", slug="columbia-heights")


def post(client, body, key=None, **headers):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


# --- keys and authentication ----------------------------------------------------------------------


def test_keys_are_stored_hashed_and_shown_once(partner, coordinator):
    key, raw = services.handoff_key_issue(partner=partner, by=coordinator)
    assert raw.startswith(f"hv_{key.prefix}_")
    secret = raw.split("_", 2)[2]
    assert secret not in key.key_hash and len(key.key_hash) == 64
    assert services.handoff_key_authenticate(raw_key=raw) == key
    assert services.handoff_key_authenticate(raw_key=raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer hv_abcd1234_x"]
)
def test_missing_or_bad_keys_are_refused(client, api_key, area, header):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = post(client, BODY, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API key" in response.json()["error"]
    assert not Intake.objects.exists()


def test_a_revoked_or_replaced_key_is_refused(client, partner, coordinator, area):
    old, old_raw = services.handoff_key_issue(partner=partner, by=coordinator)
    _new, new_raw = services.handoff_key_issue(partner=partner, by=coordinator)
    assert post(client, BODY, old_raw).status_code == 401  # replaced
    assert post(client, BODY, new_raw).status_code == 201
    services.handoff_key_revoke(key=HandoffApiKey.objects.get(revoked_at__isnull=True))
    assert post(client, {**BODY, "reference": "another"}, new_raw).status_code == 401
    assert HandoffApiKey.objects.filter(revoked_at__isnull=True).count() == 0
    old.refresh_from_db()
    assert old.revoked_at is not None


# --- hand-offs ----------------------------------------------------------------------------------


def test_a_handoff_opens_an_intake_in_the_dispatch_queue(client, api_key, area, partner):
    from dispatch.selectors import queue_intakes

    response = post(client, BODY, api_key)

    assert response.status_code == 201, response.content
    intake = Intake.objects.get()
    assert response.json() == {
        "id": intake.pk,
        "reference": "CAD-2026-000123",
        "source": "transfer_911",
        "status": "new",
        "created_at": Handoff.objects.get().created_at.isoformat(),
        "created": True,
    }
    assert (intake.source, intake.status, intake.language, intake.area) == ("transfer_911", "new", "es", area)
    assert str(intake.caller) == "+12025550143"
    assert intake.location == BODY["location"]
    assert "welfare_check" in intake.summary and "DC 911 (OUC)" in intake.summary
    assert BODY["notes"] in intake.summary
    assert intake in list(queue_intakes())
    assert HandoffApiKey.objects.get().last_used_at is not None


def test_the_area_may_be_given_by_name_and_optional_fields_left_out(client, api_key, area):
    response = post(
        client, {"reference": "r1", "call_type": "mental health", "area": "columbia HEIGHTS"}, api_key
    )
    assert response.status_code == 201, response.content
    intake = Intake.objects.get()
    assert (intake.area, intake.caller, intake.language) == (area, "", "")


def test_the_same_reference_twice_opens_one_intake(client, api_key, area):
    first = post(client, BODY, api_key)
    again = post(client, {**BODY, "notes": "retry"}, api_key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Intake.objects.count() == 1


def test_references_are_per_partner(client, api_key, area, coordinator):
    other = services.handoff_partner_create(name="Street outreach org", source=Intake.Source.PARTNER)
    _key, other_raw = services.handoff_key_issue(partner=other, by=coordinator)
    assert post(client, BODY, api_key).status_code == 201
    response = post(client, BODY, other_raw)
    assert response.status_code == 201
    assert response.json()["source"] == "partner"
    assert Intake.objects.count() == 2


def test_validation_errors_list_every_field_problem(client, api_key, area):
    body = {
        "call_type": "",
        "area": "atlantis",
        "language": "fr",
        "callback_number": "12",
        "location": "x" * 300,
        "colour": "red",
    }
    response = post(client, body, api_key)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "reference",
        "call_type",
        "area",
        "language",
        "callback_number",
        "location",
        "body",
    }
    assert "Unknown area" in errors["area"][0]
    assert "Unknown field: colour." in errors["body"]
    assert not Intake.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"reference": 7}), "Invalid fields"),
    ],
)
def test_malformed_bodies_are_400(client, api_key, data, message):
    response = post(client, data, api_key)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_only_post_with_json(client, api_key):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {api_key}").status_code == 405
    form = client.post(URL, {"reference": "x"}, HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert form.status_code == 400 and "JSON" in form.json()["error"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions (Postgres)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_open_one_intake():
    from volunteers.tests.factories import UserFactory

    partner = services.handoff_partner_create(name="311", source=Intake.Source.POLICE_311_REQUEST)
    _key, raw = services.handoff_key_issue(partner=partner, by=UserFactory())
    count = 4
    barrier = threading.Barrier(count)
    statuses, errors = [], []

    def send():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            statuses.append(
                post(Client(), {"reference": "311-77", "call_type": "welfare_check"}, raw).status_code
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Handoff.objects.count() == 1 and Intake.objects.count() == 1


# --- the OpenAPI description and the coordinators' page ---------------------------------------------


@pytest.mark.django_db
def test_openapi_description_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert {"title", "version"} <= set(doc["info"])
    operation = doc["paths"]["/handoffs/"]["post"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "405", "413"}
    schemas = doc["components"]["schemas"]
    assert {"HandoffRequest", "Handoff", "Error"} <= set(schemas)
    # Every $ref points at a schema that exists, and the request schema matches the form.
    refs = {v for v in _walk(doc) if isinstance(v, str) and v.startswith("#/components/schemas/")}
    assert {r.rsplit("/", 1)[1] for r in refs} <= set(schemas)
    from hotline.forms import HandoffForm

    assert set(schemas["HandoffRequest"]["properties"]) == set(HandoffForm.base_fields)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def _walk(node):
    if isinstance(node, dict):
        for value in node.values():
            yield value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_coordinator_adds_a_partner_sees_the_key_once_and_revokes_it(client, coordinator, area):
    client.force_login(coordinator)
    page = client.post(
        reverse("hotline:handoff_partner_create"), {"name": "Metro Police", "source": "police_311_request"}
    )
    assert page.status_code == 200
    raw = page.context["new_key"]
    assert raw.startswith("hv_") and raw in page.content.decode()
    assert raw not in client.get(reverse("hotline:handoff_keys")).content.decode()
    assert post(Client(), BODY, raw).status_code == 201

    key = HandoffApiKey.objects.get()
    assert client.post(reverse("hotline:handoff_key_revoke", args=[key.pk])).status_code == 302
    assert post(Client(), {**BODY, "reference": "2"}, raw).status_code == 401

    again = client.post(reverse("hotline:handoff_key_issue", args=[key.partner_id]))
    assert post(Client(), {**BODY, "reference": "3"}, again.context["new_key"]).status_code == 201

    duplicate = client.post(
        reverse("hotline:handoff_partner_create"), {"name": "metro police", "source": "partner"}
    )
    assert duplicate.status_code == 400
    assert HandoffPartner.objects.count() == 1


def test_only_coordinators_manage_keys(client, dispatcher, partner):
    client.force_login(dispatcher)
    assert client.get(reverse("hotline:handoff_keys")).status_code == 403
    assert client.post(reverse("hotline:handoff_key_issue", args=[partner.pk])).status_code == 403
    assert not HandoffApiKey.objects.exists()
