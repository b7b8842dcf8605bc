"""Twilio-facing views of call control (`hotline.services.call_control`): the conference and
transfer status callbacks, the hold message, and the ringing of dispatchers for a caller sent
back to them after a transfer nobody answered.

Signed like every webhook (`twilio_webhook`); the caller-facing ones wear `never_drop_caller`,
the callbacks `within_budget` (`hotline.webhooks`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from hotline import selectors, services, twiml
from hotline.models import Call, CallConference
from hotline.signatures import twilio_webhook
from hotline.webhooks import _caller_id, _int, _no_content, _unanswered, never_drop_caller, within_budget


@twilio_webhook
def voice_hold(request: HttpRequest) -> HttpResponse:
    """The hold message (a conference's wait and hold URL): no database, nothing to fail."""
    return twiml.twiml_response(twiml.hold_loop(language=request.GET.get("lang", "")))


@twilio_webhook
@within_budget()
def voice_conference_status(request: HttpRequest) -> HttpResponse:
    """Conference status callback: start, end, join, leave, hold."""
    name = request.POST.get("FriendlyName", "")
    event = request.POST.get("StatusCallbackEvent", "")
    if not name or not event:
        return HttpResponseBadRequest("FriendlyName and StatusCallbackEvent are required.")
    services.conference_record_status(
        name=name,
        conference_sid=request.POST.get("ConferenceSid", ""),
        event=event,
        call_sid=request.POST.get("CallSid", ""),
    )
    return _no_content()


@twilio_webhook
@within_budget()
def voice_transfer_status(request: HttpRequest) -> HttpResponse:
    """The third party's call status callback: answered, no answer, busy, failed, completed."""
    transfer_id = _int(request.GET.get("transfer"))
    status = request.POST.get("CallStatus", "")
    if transfer_id is None or not status:
        return HttpResponseBadRequest("transfer and CallStatus are required.")
    services.transfer_record_outcome(transfer_id=transfer_id, status=status)
    return _no_content()


def _returned(request: HttpRequest) -> CallConference | None:
    pk = _int(request.GET.get("conference"))
    if pk is None:
        return None
    return CallConference.objects.select_related("call").filter(pk=pk).first()


@twilio_webhook
@never_drop_caller(lambda request: twiml.degraded())
def voice_return(request: HttpRequest) -> HttpResponse:
    """The caller is alone after a transfer (nobody answered, the dispatcher had left): ring
    the dispatchers on shift again, else the fallback number or voicemail."""
    conference = _returned(request)
    if conference is None:
        return HttpResponseBadRequest("conference is required.")
    call = conference.call
    language = twiml.caller_language(call.language)
    volunteers = selectors.dispatchers_on_shift(language=language) if selectors.is_open() else []
    if not volunteers:
        return twiml.twiml_response(_unanswered(call, language))
    return twiml.twiml_response(
        twiml.ring_dispatchers(
            volunteers=volunteers,
            language=language,
            round_=2,
            caller_id=_caller_id(call),
            returned=conference.pk,
        )
    )


def _return_screen_fallback(request: HttpRequest):
    return (
        twiml.hangup()
        if "Digits" in request.POST and request.POST["Digits"] != "1"
        else twiml.screen_accepted()
    )


@twilio_webhook
@never_drop_caller(_return_screen_fallback)
def voice_return_screen(request: HttpRequest) -> HttpResponse:
    """The whisper on a dispatcher's phone for a returned caller; the first to press 1 has them."""
    conference = _returned(request)
    if conference is None:
        return HttpResponseBadRequest("conference is required.")
    if "Digits" not in request.POST:
        accept_url = twiml.webhook_url("voice_return_screen", **request.GET.dict())
        return twiml.twiml_response(
            twiml.screen_prompt(caller_lang=request.GET.get("lang", ""), accept_url=accept_url)
        )
    if request.POST["Digits"] != "1" or not services.return_claim(conference_id=conference.pk):
        return twiml.twiml_response(twiml.hangup())
    return twiml.twiml_response(twiml.screen_accepted())


@twilio_webhook
@never_drop_caller(lambda request: twiml.degraded())
def voice_return_status(request: HttpRequest) -> HttpResponse:
    """The <Dial> action of that ringing: talked, hung up, or nobody: fallback or voicemail."""
    conference = _returned(request)
    if conference is None:
        return HttpResponseBadRequest("conference is required.")
    call = conference.call
    status = request.POST.get("CallStatus", "")
    if status in Call.ENDED_STATUSES:
        services.call_update_status(call_sid=call.call_sid, status=status)
        return twiml.twiml_response(twiml.hangup())
    joining = services.caller_twiml(call_sid=call.call_sid)
    if joining is not None:  # transferred again after being answered again
        return twiml.twiml_response(joining)
    bridged = request.POST.get("DialBridged", "").lower() == "true"
    if bridged or request.POST.get("DialCallStatus") == "completed":
        return twiml.twiml_response(twiml.hangup())
    return twiml.twiml_response(_unanswered(call, twiml.caller_language(call.language)))
