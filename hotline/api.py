"""The hand-off API: 911 and 311 centres and partner organisations hand a contact over as JSON.

Authenticated by a partner's API key (`Authorization: Bearer hv_...`), idempotent on the
partner's own reference, answered with JSON (201 created, 200 already received, 400 with the
problems per field, 401 without a valid key, 405 for another method, 413 for a body over
settings.HANDOFF_API_MAX_BODY_BYTES). Every answer, errors included, is JSON of one shape:
{"error": "...", "errors": {"<field or body>": ["..."]}}; no input makes it fail with a 500
(hotline/tests/test_api_fuzz.py). The OpenAPI description is a static document.
"""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from audit.services import Action, audit_record
from hotline import services
from hotline.forms import HandoffForm
from hotline.models import PARTNER_SOURCES, Handoff

logger = logging.getLogger(__name__)


def _error(status: int, message: str, errors: dict | None = None, *, field: str = "body") -> JsonResponse:
    """An error answer: always `error` and `errors` (problems per field, "body" for the whole)."""
    response = JsonResponse({"error": message, "errors": errors or {field: [message]}}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="handoffs"'
    return response


def json_api(*methods: str):
    """An API view: other methods get a JSON 405, and an unexpected failure a JSON 500 (logged)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if request.method not in methods:
                response = _error(405, f"Use {' or '.join(methods)}.", field="method")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except Exception:
                logger.exception("hand-off API failed on %s", request.path)
                return _error(500, "Something went wrong on our side; try again later.")

        return wrapped

    return decorator


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return _error(404, "No such API endpoint; see /api/v1/openapi.json.", field="path")


def _unencodable(value) -> bool:
    """A string Postgres cannot store (an unpaired surrogate from a \\ud800 escape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_json(request: HttpRequest) -> tuple[dict | None, JsonResponse | None]:
    """The body as a JSON object of strings, or the error answer."""
    limit = settings.HANDOFF_API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None, _error(400, "Invalid Content-Length.")
    if length > limit:
        return None, _error(413, f"The body is larger than the {limit} bytes allowed.")
    if request.content_type != "application/json":
        return None, _error(400, "The body must be JSON (Content-Type: application/json).")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, _error(400, "The body is not valid JSON.")
    if not isinstance(data, dict):
        return None, _error(400, "The body must be a JSON object.")
    bad = {k: ["Must be a string."] for k, v in data.items() if not isinstance(v, str | None)}
    bad |= {k: ["Not valid text."] for k, v in data.items() if isinstance(v, str) and _unencodable(v)}
    if bad:
        return None, _error(
            400, "Invalid fields.", {k if not _unencodable(k) else "body": e for k, e in bad.items()}
        )
    if any(_unencodable(k) for k in data):
        return None, _error(400, "Invalid fields.", {"body": ["A field name is not valid text."]})
    return data, None


def _handoff_json(handoff: Handoff, *, created: bool) -> dict:
    return {
        "id": handoff.intake_id,
        "reference": handoff.reference,
        "source": handoff.intake.source,
        "status": handoff.intake.status,
        "created_at": handoff.created_at.isoformat(),
        "created": created,
    }


def api_key_of(request: HttpRequest):
    """The partner's API key in force that the request carries (Authorization: Bearer), or None."""
    scheme, _sep, raw_key = request.headers.get("Authorization", "").partition(" ")
    raw_key = raw_key.strip()
    if scheme.lower() != "bearer" or not raw_key.isascii():
        return None
    return services.handoff_key_authenticate(raw_key=raw_key)


# For the other apps' API views (dispatch.api): the same answers, errors and body checks.
api_error = _error


def read_json(request: HttpRequest) -> tuple[dict | None, JsonResponse | None]:
    return _read_json(request)


@csrf_exempt
@never_cache
@json_api("POST")
def handoff_create(request: HttpRequest) -> JsonResponse:
    key = api_key_of(request)
    if key is None:
        return _error(401, "A valid API key is required: Authorization: Bearer <key>.", field="authorization")
    data, error = _read_json(request)
    if error is not None:
        return error
    form = HandoffForm({k: v or "" for k, v in data.items()})
    if not form.is_valid():
        errors = {
            field or "body": [e["message"] for e in problems]
            for field, problems in form.errors.get_json_data().items()
        }
        if "__all__" in errors:
            errors["body"] = errors.pop("__all__")
        return _error(400, "Invalid fields.", errors)
    handoff, created = services.handoff_receive(partner=key.partner, **form.cleaned_data)
    if created:
        audit_record(
            action=Action.CREATED,
            subject="hotline.intake",
            ids=[handoff.intake_id],
            what="hand-off received",
            actor_label=f"hand-off API: {key.partner}"[:120],
            path=request.path,
        )
    return JsonResponse(_handoff_json(handoff, created=created), status=201 if created else 200)


@json_api("GET", "HEAD")
@never_cache
def handoff_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """The sender reads back what became of a contact it handed over (its own only: 404 else)."""
    key = api_key_of(request)
    if key is None:
        return _error(401, "A valid API key is required: Authorization: Bearer <key>.", field="authorization")
    handoff = Handoff.objects.select_related("intake").filter(partner=key.partner, intake_id=pk).first()
    if handoff is None:
        return _error(404, "No hand-off of yours has this id.")
    return JsonResponse(services.handoff_status_data(handoff))


@json_api("GET", "HEAD")
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI)


_STRING = {"type": "string"}
_ERROR = {
    "type": "object",
    "required": ["error", "errors"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong."},
        "errors": {
            "type": "object",
            "description": (
                'Problems per field: a request field, or "body" (the body as a whole), '
                '"authorization", "method" or "path".'
            ),
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "Hotline hand-off API",
        "version": "1.0.0",
        "description": (
            "A 911 or 311 centre, or a partner organisation, hands a contact over to the hotline's "
            "dispatchers. Each partner has its own API key, issued by a coordinator. Sending the same "
            "reference again returns the hand-off already received (HTTP 200) instead of a second one."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "hv_... API key"}
        },
        "schemas": {
            "HandoffRequest": {
                "type": "object",
                "required": ["reference", "call_type"],
                "additionalProperties": False,
                "properties": {
                    "reference": {
                        **_STRING,
                        "maxLength": 100,
                        "description": "Your own id for this contact.",
                    },
                    "call_type": {**_STRING, "maxLength": 100, "example": "welfare_check"},
                    "location": {**_STRING, "maxLength": 255, "example": "Bus stop, 14th St & Park Rd NW"},
                    "area": {**_STRING, "description": "Slug or name of one of the hotline's areas."},
                    "language": {**_STRING, "enum": ["", "en", "ko", "es"]},
                    "callback_number": {**_STRING, "description": "E.164, e.g. +12025550143."},
                    "notes": {**_STRING, "maxLength": 4000},
                },
            },
            "Handoff": {
                "type": "object",
                "required": ["id", "reference", "source", "status", "created_at", "created"],
                "properties": {
                    "id": {"type": "integer", "description": "The hotline's intake number."},
                    "reference": _STRING,
                    "source": {**_STRING, "enum": [s.value for s in PARTNER_SOURCES]},
                    "status": {**_STRING, "enum": ["new", "needs_callback", "in_triage", "closed"]},
                    "created_at": {**_STRING, "format": "date-time"},
                    "created": {
                        "type": "boolean",
                        "description": "False when this reference was received before.",
                    },
                },
            },
            "HandoffStatus": {
                "type": "object",
                "required": ["id", "reference", "status", "decision", "outcome", "created_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "reference": _STRING,
                    "status": {**_STRING, "enum": ["new", "needs_callback", "in_triage", "closed"]},
                    "decision": {
                        "type": ["string", "null"],
                        "enum": [
                            "phone_support",
                            "send_responders",
                            "refer",
                            "escalate_911",
                            "no_action",
                            None,
                        ],
                        "description": "The dispatcher's decision, once taken.",
                    },
                    "outcome": {
                        "type": ["string", "null"],
                        "description": "The incident's outcome code when responders were sent "
                        "(resolved_on_scene, referred, transported, police_requested, ems_requested, "
                        "no_contact, services_declined).",
                    },
                    "created_at": {**_STRING, "format": "date-time"},
                    "decided_at": {"type": ["string", "null"], "format": "date-time"},
                    "closed_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "ReferralStatusRequest": {
                "type": "object",
                "required": ["status"],
                "additionalProperties": False,
                "properties": {
                    "status": {**_STRING, "enum": ["accepted", "connected", "declined", "unreachable"]},
                },
            },
            "Referral": {
                "type": "object",
                "required": ["id", "status", "created_at", "accepted_at", "connected_at", "ended_at", "next"],
                "properties": {
                    "id": {"type": "integer"},
                    "status": {
                        **_STRING,
                        "enum": ["made", "accepted", "connected", "declined", "unreachable"],
                    },
                    "service": {"type": ["string", "null"]},
                    "created_at": {**_STRING, "format": "date-time"},
                    "accepted_at": {"type": ["string", "null"], "format": "date-time"},
                    "connected_at": {"type": ["string", "null"], "format": "date-time"},
                    "ended_at": {
                        "type": ["string", "null"],
                        "format": "date-time",
                        "description": "When it was declined or the person was unreachable.",
                    },
                    "next": {
                        "type": "array",
                        "items": _STRING,
                        "description": "The statuses it may still move to (none once closed).",
                    },
                },
            },
            "StatusWebhook": {
                "type": "object",
                "required": ["id", "type", "created_at", "data"],
                "properties": {
                    "id": {
                        **_STRING,
                        "format": "uuid",
                        "description": "The event's id, also in X-Hotline-Event-Id: dedupe on it.",
                    },
                    "type": {**_STRING, "enum": ["handoff.updated"]},
                    "created_at": {**_STRING, "format": "date-time"},
                    "data": {"$ref": "#/components/schemas/HandoffStatus"},
                },
            },
            "Error": _ERROR,
        },
    },
    "webhooks": {
        "handoffStatusChanged": {
            "post": {
                "operationId": "handoffStatusChanged",
                "summary": "A hand-off you sent changed (status, decision, outcome or close)",
                "description": (
                    "Sent to the partner's status webhook URL, one event per change, signed with the "
                    "partner's secret: X-Hotline-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "
                    '"<t>.<raw body>" keyed with the secret>. Refuse a t more than 300 s from your '
                    "clock. Answer 2xx within 10 s; 5xx, 429 and timeouts are retried with backoff, "
                    "other 4xx are not. An event may come twice (same id) if the hotline stopped "
                    "between your answer and its record of it. See docs/api.md."
                ),
                "parameters": [
                    {
                        "name": "X-Hotline-Signature",
                        "in": "header",
                        "required": True,
                        "schema": {**_STRING, "example": "t=1780520102,v1=5f0c...e1"},
                    },
                    {
                        "name": "X-Hotline-Event-Id",
                        "in": "header",
                        "required": True,
                        "schema": {**_STRING, "format": "uuid"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/StatusWebhook"}}
                    },
                },
                "responses": {
                    "2XX": {"description": "Received (or already received: same event id)."},
                    "5XX": {"description": "Tried again later, with backoff."},
                },
            }
        }
    },
    "paths": {
        "/handoffs/": {
            "post": {
                "operationId": "createHandoff",
                "summary": "Hand a contact over to the hotline",
                "security": [{"bearerAuth": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/HandoffRequest"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "Received; an intake is open for dispatchers.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Handoff"}}},
                    },
                    "200": {
                        "description": "This reference was received before; nothing new was opened.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Handoff"}}},
                    },
                    "400": {
                        "description": "The body is not valid; `errors` lists the problems per field.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "401": {
                        "description": "Missing, unknown or revoked API key.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "405": {
                        "description": "Only POST is allowed here.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "413": {
                        "description": f"The body is larger than {settings.HANDOFF_API_MAX_BODY_BYTES} bytes.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
        "/handoffs/{id}/": {
            "get": {
                "operationId": "getHandoffStatus",
                "summary": "What became of a contact you handed over (no free text)",
                "security": [{"bearerAuth": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "The hand-off's status, decision, outcome and times.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/HandoffStatus"}}
                        },
                    },
                    "401": {
                        "description": "Missing, unknown or revoked API key.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "404": {
                        "description": "No hand-off of this partner has this id.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        },
        "/referrals/{id}/status": {
            "post": {
                "operationId": "confirmReferral",
                "summary": "Say what became of a referral made to your organisation",
                "description": (
                    "made -> accepted, connected, declined or unreachable; accepted -> connected or "
                    "unreachable; a connected, declined or unreachable referral does not change again. "
                    "Sending the status it already has changes nothing."
                ),
                "security": [{"bearerAuth": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ReferralStatusRequest"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "The referral with its new status and dates.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Referral"}}
                        },
                    },
                    **{
                        code: {
                            "description": description,
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        }
                        for code, description in (
                            ("400", "Not a JSON object with a known `status`."),
                            ("401", "Missing, unknown or revoked API key."),
                            ("404", "No referral to your organisation has this id."),
                            ("405", "Only POST is allowed here."),
                            ("409", "The referral's status no longer allows this move."),
                            ("413", f"The body is larger than {settings.HANDOFF_API_MAX_BODY_BYTES} bytes."),
                        )
                    },
                },
            }
        },
    },
}
