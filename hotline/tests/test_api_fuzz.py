"""The hand-off API over any input: always JSON of one shape, never a 500.

Hypothesis sends arbitrary bodies (bytes, JSON of any shape and depth, near-valid hand-offs with
odd strings: NUL, unpaired surrogates, huge numbers), content types and methods.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hotline import services
from hotline.forms import HandoffForm
from hotline.models import Handoff, Intake

URL = "/api/v1/handoffs/"
FIELDS = sorted(HandoffForm.base_fields)
EXPECTED = {200, 201, 400, 401, 405, 413}

odd_text = st.text(st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "\n"])))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
near_handoffs = st.fixed_dictionaries(
    {"reference": odd_text, "call_type": odd_text},
    optional={
        name: st.one_of(odd_text, json_values) for name in FIELDS if name not in ("reference", "call_type")
    }
    | {"colour": odd_text},
)


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


deep = st.integers(min_value=10, max_value=200_000).map(lambda n: ("[" * n + "]" * n).encode())
big_numbers = st.integers(min_value=4000, max_value=50_000).map(lambda n: b'{"reference": ' + b"9" * n + b"}")
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(_json),
    near_handoffs.map(_json),
    deep,
    big_numbers,
    st.just(b'{"reference": "x", "notes": "' + b"a" * (settings.HANDOFF_API_MAX_BODY_BYTES + 1) + b'"}'),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "text/plain",
        "",
    ]
)


def check(response) -> None:
    assert response.status_code in EXPECTED, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert isinstance(body["error"], str) and body["error"]
        assert body["errors"] and all(
            isinstance(field, str)
            and isinstance(problems, list)
            and all(isinstance(p, str) for p in problems)
            for field, problems in body["errors"].items()
        )


@pytest.fixture
def raw_key(db, coordinator):
    partner = services.handoff_partner_create(name="Fuzz 911", source=Intake.Source.TRANSFER_911)
    _key, raw = services.handoff_key_issue(partner=partner, by=coordinator)
    return raw


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=bodies,
    content_type=content_types,
    keyed=st.booleans(),
    method=st.sampled_from(["post", "put", "get"]),
)
def test_any_input_gets_a_json_answer_never_a_500(raw_key, body, content_type, keyed, method):
    client = Client(raise_request_exception=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"} if keyed else {}
    if method == "get":
        response = client.get(URL, **headers)
    else:
        # generic(): the bytes go as they are, whatever charset the content type names.
        response = client.generic(method.upper(), URL, data=body, content_type=content_type, **headers)
    check(response)
    if response.status_code in (200, 201):
        assert Handoff.objects.filter(intake_id=response.json()["id"]).exists()


@pytest.mark.django_db
def test_deep_nesting_and_a_large_body_are_json_errors(raw_key):
    client = Client(raise_request_exception=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    nested = client.post(URL, data=b"[" * 30_000 + b"]" * 30_000, content_type="application/json", **auth)
    check(nested)
    assert nested.status_code == 400
    three_mb = _json({"reference": "r", "call_type": "c", "notes": "x" * 3_000_000})
    large = client.post(URL, data=three_mb, content_type="application/json", **auth)
    check(large)
    assert large.status_code == 413
    assert large.json()["errors"] == {
        "body": [f"The body is larger than the {settings.HANDOFF_API_MAX_BODY_BYTES} bytes allowed."]
    }
    surrogate = client.post(
        URL, data=b'{"reference": "\\ud800", "call_type": "c"}', content_type="application/json", **auth
    )
    check(surrogate)
    assert surrogate.json()["errors"] == {"reference": ["Not valid text."]}
    assert not Handoff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/handoffs/extra", "/api/v1/openapi.json/x"])
def test_unknown_api_paths_are_json_404s(client, path):
    response = client.post(path)
    assert response.status_code == 404
    body = response.json()
    assert body["errors"] == {"path": [body["error"]]}
