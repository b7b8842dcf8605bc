"""The referral API: a partner says what became of a referral made to it, with its API key.

`POST /api/v1/referrals/{id}/status` with `Authorization: Bearer hv_...` (a hand-off partner's
key, linked to the referral partner by a `ReferralApiPartner`) and `{"status": "accepted" |
"connected" | "declined" | "unreachable"}`. The same rules as the signed link
(services.referrals.referral_confirm): a closed referral does not change again, a repeat is a
no-op. Only referrals made to the key's partner are found (404 for the others). Answers are
JSON of the hand-off API's shape (hotline.api): 200, 400, 401, 404, 405, 409, 413; never a 500
for any input. Routed in config/urls.py, ahead of the API's catch-all.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from audit.services import Action, audit_record
from dispatch import services
from dispatch.models import Referral, ReferralApiPartner
from hotline.api import api_error, api_key_of, json_api, read_json

PARTNER_STATUSES = (
    Referral.Status.ACCEPTED,
    Referral.Status.CONNECTED,
    Referral.Status.DECLINED,
    Referral.Status.UNREACHABLE,
)


def referral_json(referral: Referral) -> dict:
    """The referral as its partner may read it: codes and dates, nothing of the person."""

    def at(value):
        return value.isoformat() if value else None

    return {
        "id": referral.pk,
        "status": referral.status,
        "service": referral.service_type.name if referral.service_type_id else None,
        "created_at": at(referral.created_at),
        "accepted_at": at(referral.accepted_at),
        "connected_at": at(referral.connected_at),
        "ended_at": at(referral.ended_at),
        "next": list(services.REFERRAL_MOVES.get(referral.status, ())),
    }


@csrf_exempt
@never_cache
@json_api("POST")
def referral_status(request: HttpRequest, pk: int) -> JsonResponse:
    key = api_key_of(request)
    if key is None:
        return api_error(
            401, "A valid API key is required: Authorization: Bearer <key>.", field="authorization"
        )
    link = ReferralApiPartner.objects.filter(handoff_partner_id=key.partner_id).first()
    referral = (
        Referral.objects.select_related("service_type").filter(pk=pk, partner_id=link.partner_id).first()
        if link is not None
        else None
    )
    if referral is None:
        return api_error(404, "No referral to your organisation has this id.", field="path")
    data, error = read_json(request)
    if error is not None:
        return error
    unknown = sorted(set(data) - {"status"})
    if unknown:
        return api_error(400, "Invalid fields.", {name: ["Unknown field."] for name in unknown})
    status = data.get("status") or ""
    if status not in PARTNER_STATUSES:
        return api_error(
            400, "Invalid fields.", {"status": [f"Must be one of: {', '.join(PARTNER_STATUSES)}."]}
        )
    before = referral.status
    try:
        referral = services.referral_confirm(referral=referral, status=status, via="api")
    except services.DispatchError as exc:
        response = api_error(409, str(exc), field="status")
        return response
    if referral.status != before:
        audit_record(
            action=Action.CHANGED,
            subject="dispatch.referral",
            ids=[referral.pk],
            what=f"partner confirmed: {referral.status}",
            actor_label=f"referral API: {key.partner}"[:120],
            path=request.path,
        )
    return JsonResponse(referral_json(referral))
