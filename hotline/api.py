"""The hand-off API: 911 and 311 centres and partner organisations hand a contact over as JSON.

Authenticated by a partner's API key (`Authorization: Bearer hv_...`), idempotent on the
partner's own reference, answered with JSON (201 created, 200 already received, 400 with the
problems per field, 401 without a valid key). The OpenAPI description is a static document.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from audit.services import Action, audit_record
from hotline import services
from hotline.forms import HandoffForm
from hotline.models import PARTNER_SOURCES, Handoff


def _error(status: int, message: str, errors: dict | None = None) -> JsonResponse:
    body: dict = {"error": message}
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="handoffs"'
    return response


def _handoff_json(handoff: Handoff, *, created: bool) -> dict:
    return {
        "id": handoff.intake_id,
        "reference": handoff.reference,
        "source": handoff.intake.source,
        "status": handoff.intake.status,
        "created_at": handoff.created_at.isoformat(),
        "created": created,
    }


@csrf_exempt
@require_POST
@never_cache
def handoff_create(request: HttpRequest) -> JsonResponse:
    scheme, _sep, raw_key = request.headers.get("Authorization", "").partition(" ")
    key = services.handoff_key_authenticate(raw_key=raw_key.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        return _error(401, "A valid API key is required: Authorization: Bearer <key>.")
    if request.content_type != "application/json":
        return _error(400, "The body must be JSON (Content-Type: application/json).")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "The body is not valid JSON.")
    if not isinstance(data, dict):
        return _error(400, "The body must be a JSON object.")
    if any(not isinstance(v, str | None) for v in data.values()):
        bad = sorted(k for k, v in data.items() if not isinstance(v, str | None))
        return _error(400, "Invalid fields.", {k: ["Must be a string."] for k in bad})
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


def _status_json(handoff: Handoff) -> dict:
    """What became of the contact: codes and times only, never the notes or the caller."""

    def at(value):
        return value.isoformat() if value else None

    return {
        "id": handoff.intake_id,
        "reference": handoff.reference,
        "status": handoff.intake.status,
        "decision": handoff.decision or None,
        "outcome": handoff.outcome or None,
        "created_at": at(handoff.created_at),
        "decided_at": at(handoff.decided_at),
        "closed_at": at(handoff.closed_at),
    }


@require_GET
@never_cache
def handoff_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """The sender reads back what became of a contact it handed over (its own only: 404 else)."""
    scheme, _sep, raw_key = request.headers.get("Authorization", "").partition(" ")
    key = services.handoff_key_authenticate(raw_key=raw_key.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        return _error(401, "A valid API key is required: Authorization: Bearer <key>.")
    handoff = Handoff.objects.select_related("intake").filter(partner=key.partner, intake_id=pk).first()
    if handoff is None:
        return _error(404, "No hand-off of yours has this id.")
    return JsonResponse(_status_json(handoff))


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(OPENAPI)


_STRING = {"type": "string"}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong."},
        "errors": {
            "type": "object",
            "description": 'Problems per field ("body" for the body as a whole).',
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

OPENAPI: dict = {
    "openapi": "3.0.3",
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
                        **_STRING,
                        "nullable": True,
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
                        **_STRING,
                        "nullable": True,
                        "description": "The incident's outcome code when responders were sent "
                        "(resolved_on_scene, referred, transported, police_requested, ems_requested, "
                        "no_contact, services_declined).",
                    },
                    "created_at": {**_STRING, "format": "date-time"},
                    "decided_at": {**_STRING, "format": "date-time", "nullable": True},
                    "closed_at": {**_STRING, "format": "date-time", "nullable": True},
                },
            },
            "Error": _ERROR,
        },
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
    },
}
