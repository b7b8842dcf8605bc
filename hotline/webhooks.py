"""Twilio-facing views: the voice IVR, call and recording callbacks, and text messages.

Each view is signed-or-403 (`twilio_webhook`). Views a caller is waiting on also wear
`never_drop_caller`: whatever fails inside (the database, Redis, a bug), the caller still gets
valid TwiML that dials FALLBACK_NUMBER or records a voicemail, never an error, and within the
webhook budget when the database hangs (`hotline.budget`); callbacks wear `within_budget`. A
voicemail, recording callback or text the database cannot take is spooled to disk
(`hotline.spool`) and stored later by `services.spool_replay`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from twilio.twiml import TwiML
from twilio.twiml.messaging_response import MessagingResponse

from hotline import budget, selectors, services, spool, twiml
from hotline.messaging import sms_status_callback_url
from hotline.models import Call, Intake
from hotline.signatures import twilio_webhook

logger = logging.getLogger(__name__)


def _last_resort_twiml() -> str:
    """Hand-written TwiML for when even building the degraded answer failed."""
    safety = "<Say>If you are in immediate danger, hang up and dial 911.</Say>"
    if settings.FALLBACK_NUMBER:
        return f"<?xml version='1.0' encoding='UTF-8'?><Response>{safety}<Dial>{escape(settings.FALLBACK_NUMBER)}</Dial></Response>"
    action = quoteattr(settings.PUBLIC_BASE_URL + "/hotline/voice/voicemail/")
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><Response>{safety}"
        f'<Record action={action} maxLength="{settings.HOTLINE_VOICEMAIL_MAX_SECONDS}" /></Response>'
    )


def _degraded(request: HttpRequest, fallback: Callable[[HttpRequest], TwiML]) -> HttpResponse:
    try:
        return twiml.twiml_response(fallback(request))
    except Exception:
        logger.exception("Degraded TwiML for %s failed too; answering by hand", request.path)
        return HttpResponse(_last_resort_twiml(), content_type="text/xml; charset=utf-8")


def never_drop_caller(fallback: Callable[[HttpRequest], TwiML]):
    """Answer with `fallback(request)` TwiML (HTTP 200) if the view raises anything, and within
    the webhook budget: while the database hangs (`budget.breaker` open) without trying it."""

    def decorator(view):
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not budget.breaker.allow():
                logger.warning("The database hangs; %s answering with degraded TwiML", request.path)
                return _degraded(request, fallback)
            with budget.webhook_budget() as spent:
                try:
                    response = view(request, *args, **kwargs)
                except Exception as exc:
                    budget.breaker.failed(exc, spent)
                    logger.exception("Webhook %s failed; answering with degraded TwiML", request.path)
                    return _degraded(request, fallback)
            budget.breaker.succeeded()
            return response

        return guarded

    return decorator


def within_budget(on_failure: Callable[[HttpRequest], HttpResponse] | None = None):
    """For Twilio's callbacks (nobody waits on them): the same budget and breaker. While the
    database hangs, or when the view fails, `on_failure(request)` answers (it spools what must
    not be lost); without one, 503 at once rather than holding a server thread, or the error."""

    def decorator(view):
        @wraps(view)
        def bounded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not budget.breaker.allow():
                return on_failure(request) if on_failure else HttpResponse(status=503)
            with budget.webhook_budget() as spent:
                try:
                    response = view(request, *args, **kwargs)
                except Exception as exc:
                    budget.breaker.failed(exc, spent)
                    if on_failure is None:
                        raise
                    logger.exception("Webhook %s failed; spooling it", request.path)
                    return on_failure(request)
            budget.breaker.succeeded()
            return response

        return bounded

    return decorator


def _spooled(request: HttpRequest, *, kind: str, sid: str) -> bool:
    """Keep the request on the local disk for `spool_replay`; False if even that failed."""
    try:
        spool.spool_append(kind=kind, sid=sid, params=request.POST.dict())
    except OSError:
        logger.exception("Could not spool a %s (%s): it is left to the reconciliation with Twilio", kind, sid)
        return False
    return True


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- voice --------------------------------------------------------------------------------


def _unanswered(call: Call, language: str, *, after_hours: bool = False) -> TwiML:
    """Nobody (or no-one on shift) can take the call: FALLBACK_NUMBER, else voicemail."""
    if settings.FALLBACK_NUMBER:
        return twiml.fallback_or_voicemail(language=language, after_hours=after_hours)
    services.call_offer_voicemail(call_sid=call.call_sid)
    return twiml.voicemail(language=language, after_hours=after_hours)


def _caller_id(call: Call) -> str:
    return settings.HOTLINE_NUMBER or call.to_number


@twilio_webhook
@never_drop_caller(lambda request: twiml.degraded())
def voice_incoming(request: HttpRequest) -> HttpResponse:
    """A call arrives: record it (one statement) and play the safety line and language menu."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    services.call_record_arrival(
        call_sid=call_sid, from_number=request.POST.get("From", ""), to_number=request.POST.get("To", "")
    )
    line = _partner_line(request)
    if line is not None and line.language:
        # The partner already knows the caller's language: no menu, straight to a volunteer.
        return _connect(request, call_sid=call_sid, language=line.language, source=line.source)
    return twiml.twiml_response(twiml.language_menu(attempt=1))


def _partner_line(request: HttpRequest):
    return selectors.partner_line_for_call(
        forwarded_from=request.POST.get("ForwardedFrom", ""), from_number=request.POST.get("From", "")
    )


def _connect(request: HttpRequest, *, call_sid: str, language: str, source: str) -> HttpResponse:
    """The language is known: open the intake, then ring dispatchers (or fall back)."""
    call, _intake = services.intake_open_for_call(
        call_sid=call_sid,
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        language=language,
        source=source,
    )
    if not selectors.is_open():
        return twiml.twiml_response(_unanswered(call, language, after_hours=True))
    volunteers = selectors.dispatchers_on_shift(language=language)
    if not volunteers:
        return twiml.twiml_response(_unanswered(call, language))
    return twiml.twiml_response(
        twiml.ring_dispatchers(
            volunteers=volunteers,
            language=language,
            round_=1,
            caller_id=_caller_id(call),
            intake_url=_intake.get_absolute_url(),
        )
    )


@twilio_webhook
@never_drop_caller(lambda request: twiml.degraded())
def voice_language(request: HttpRequest) -> HttpResponse:
    """The caller pressed a digit (or nothing): ask once more, then English; then ring."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    attempt = max(1, min(_int(request.GET.get("attempt")) or 1, 2))
    language = twiml.LANGUAGE_BY_DIGIT.get(request.POST.get("Digits", "").strip())
    if language is None:
        if attempt < 2:
            return twiml.twiml_response(twiml.language_menu(attempt=attempt + 1))
        language = twiml.DEFAULT_LANGUAGE
    line = _partner_line(request)
    source = line.source if line is not None else Intake.Source.HOTLINE_CALL
    return _connect(request, call_sid=call_sid, language=language, source=source)


def _screen_fallback(request: HttpRequest) -> TwiML:
    if request.GET.get("client"):
        return twiml.screen_accepted()
    if "Digits" in request.POST:
        return twiml.screen_accepted() if request.POST["Digits"] == "1" else twiml.hangup()
    return twiml.screen_prompt(
        caller_lang=request.GET.get("lang", ""),
        accept_url=twiml.webhook_url("voice_screen", **request.GET.dict()),
    )


@twilio_webhook
@never_drop_caller(_screen_fallback)
def voice_screen(request: HttpRequest) -> HttpResponse:
    """Runs on the volunteer's phone once it answers: a whisper, and 1 to accept.

    A volunteer's own voicemail never presses 1, so it cannot swallow the call.
    """
    parent_sid = request.POST.get("ParentCallSid", "")
    if not parent_sid:
        return HttpResponseBadRequest("ParentCallSid is required.")
    volunteer_id = _int(request.GET.get("volunteer"))
    if request.GET.get("client"):
        # The dispatcher's browser (hotline.softphone): they clicked "Answer", and a browser has
        # no voicemail to screen out, so no prompt; the first answer still wins.
        accepted = services.call_accept(
            parent_call_sid=parent_sid,
            user_id=_int(request.GET.get("user")),
            number=request.POST.get("To", ""),
        )
        return twiml.twiml_response(twiml.screen_accepted() if accepted else twiml.hangup())
    if "Digits" not in request.POST:
        services.call_mark_screened(parent_call_sid=parent_sid, volunteer_id=volunteer_id)
        accept_url = twiml.webhook_url("voice_screen", **request.GET.dict())
        return twiml.twiml_response(
            twiml.screen_prompt(caller_lang=request.GET.get("lang", ""), accept_url=accept_url)
        )
    if request.POST["Digits"] != "1":
        return twiml.twiml_response(twiml.hangup())
    accepted = services.call_accept(
        parent_call_sid=parent_sid, user_id=_int(request.GET.get("user")), number=request.POST.get("To", "")
    )
    return twiml.twiml_response(twiml.screen_accepted() if accepted else twiml.hangup())


def _dial_status_fallback(request: HttpRequest) -> TwiML:
    # A fallback number already tried must not be dialled again: record a voicemail instead.
    return twiml.degraded(dial_fallback=request.GET.get("stage") != "fallback")


@twilio_webhook
@never_drop_caller(_dial_status_fallback)
def voice_dial_status(request: HttpRequest) -> HttpResponse:
    """A <Dial> ended: the conversation happened, or try the next way to reach someone."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    call, _created = services.call_get_or_create(
        call_sid=call_sid, from_number=request.POST.get("From", ""), to_number=request.POST.get("To", "")
    )
    language = twiml.caller_language(call.language or request.GET.get("lang"))
    caller_status = request.POST.get("CallStatus", "")
    if caller_status in Call.ENDED_STATUSES:
        # The caller hung up while phones rang: nothing more to say; mark the miss.
        services.call_update_status(call_sid=call_sid, status=caller_status)
        return twiml.twiml_response(twiml.hangup())
    joining = services.caller_twiml(call_sid=call_sid)
    if joining is not None:
        # The dispatcher's leg was moved into a conference (a transfer, a hold): the caller follows.
        return twiml.twiml_response(joining)
    bridged = request.POST.get("DialBridged", "").lower() == "true"
    dial_status = request.POST.get("DialCallStatus", "")
    if request.GET.get("stage") == "fallback":
        if bridged or dial_status == "completed":
            services.call_mark_fallback_answered(call_sid=call_sid)
            return twiml.twiml_response(twiml.hangup())
        services.call_offer_voicemail(call_sid=call_sid)
        return twiml.twiml_response(twiml.voicemail(language=language))
    if call.answered_at is not None or bridged:
        # The volunteer hung up and the caller is still on the line: the optional questions.
        if services.evidence_asked_on_phone(call=call):
            return twiml.twiml_response(twiml.evidence_question(language=language, question=1))
        return twiml.twiml_response(twiml.hangup())
    round_ = _int(request.GET.get("round")) or 1
    if round_ == 1 and call.screened_volunteer_ids:
        # A phone answered without accepting (its voicemail, or a decline): ring the others.
        screened = set(call.screened_volunteer_ids)
        others = [v for v in selectors.dispatchers_on_shift(language=language) if v.pk not in screened]
        if others:
            return twiml.twiml_response(
                twiml.ring_dispatchers(
                    volunteers=others,
                    language=language,
                    round_=2,
                    caller_id=_caller_id(call),
                    intake_url=_intake_url(call),
                )
            )
    return twiml.twiml_response(_unanswered(call, language))


def _intake_url(call: Call) -> str:
    intake = Intake.objects.filter(call=call).only("pk").first()
    return intake.get_absolute_url() if intake else ""


@twilio_webhook
@never_drop_caller(lambda request: twiml.hangup())
def voice_evidence(request: HttpRequest) -> HttpResponse:
    """A key pressed for one of the optional questions after the call: record, ask the next."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    question = 2 if request.GET.get("q") == "2" else 1
    language = twiml.caller_language(request.GET.get("lang"))
    services.evidence_record_digit(call_sid=call_sid, question=question, digit=request.POST.get("Digits", ""))
    if question == 1:
        return twiml.twiml_response(twiml.evidence_question(language=language, question=2))
    return twiml.twiml_response(twiml.evidence_thanks(language=language))


def _voicemail_fallback(request: HttpRequest) -> TwiML:
    if request.POST.get("CallSid"):
        _spooled(
            request, kind=spool.VOICEMAIL, sid=request.POST.get("RecordingSid") or request.POST["CallSid"]
        )
    return twiml.voicemail_thanks(language=twiml.DEFAULT_LANGUAGE)


@twilio_webhook
@never_drop_caller(_voicemail_fallback)
def voice_voicemail(request: HttpRequest) -> HttpResponse:
    """The <Record> action: keep the voicemail, thank the caller."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    call = services.call_store_voicemail(
        call_sid=call_sid,
        recording_sid=request.POST.get("RecordingSid", ""),
        recording_url=request.POST.get("RecordingUrl", ""),
        recording_duration=_int(request.POST.get("RecordingDuration")),
    )
    return twiml.twiml_response(twiml.voicemail_thanks(language=call.language))


def _recording_fallback(request: HttpRequest) -> HttpResponse:
    call_sid = request.POST.get("CallSid", "")
    if call_sid and request.POST.get("RecordingStatus", "completed") == "completed":
        if not _spooled(request, kind=spool.RECORDING, sid=request.POST.get("RecordingSid") or call_sid):
            return HttpResponse(status=503)
    return _no_content()


@twilio_webhook
@within_budget(_recording_fallback)
def voice_recording(request: HttpRequest) -> HttpResponse:
    """Recording status callback: the voicemail file is ready (may come before or after the rest)."""
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return HttpResponseBadRequest("CallSid is required.")
    if request.POST.get("RecordingStatus", "completed") == "completed":
        services.call_store_voicemail(
            call_sid=call_sid,
            recording_sid=request.POST.get("RecordingSid", ""),
            recording_url=request.POST.get("RecordingUrl", ""),
            recording_duration=_int(request.POST.get("RecordingDuration")),
        )
    return _no_content()


@twilio_webhook
@within_budget()
def voice_status(request: HttpRequest) -> HttpResponse:
    """Call status callback: ringing, in progress, completed, with the duration."""
    call_sid = request.POST.get("CallSid", "")
    status = request.POST.get("CallStatus", "")
    if not call_sid or not status:
        return HttpResponseBadRequest("CallSid and CallStatus are required.")
    services.call_update_status(
        call_sid=call_sid,
        status=status,
        duration=_int(request.POST.get("CallDuration")),
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
    )
    return _no_content()


@twilio_webhook
def voice_callback(request: HttpRequest) -> HttpResponse:
    """TwiML for a dispatcher's callback: they answered; now dial the caller."""
    digits = request.GET.get("to", "")
    if not digits.isdigit():
        return HttpResponseBadRequest("to must be the caller's number without +.")
    caller_id = settings.HOTLINE_NUMBER or request.POST.get("From", "")
    return twiml.twiml_response(twiml.callback_bridge(caller="+" + digits, caller_id=caller_id))


# --- text messages ------------------------------------------------------------------------


def _sms_fallback(request: HttpRequest) -> TwiML:
    message_sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    if message_sid and request.POST.get("From"):
        _spooled(request, kind=spool.SMS, sid=message_sid)
    response = MessagingResponse()
    response.message(services.sms_degraded_reply(body=request.POST.get("Body", "")))
    return response


@twilio_webhook
@never_drop_caller(_sms_fallback)
def sms_incoming(request: HttpRequest) -> HttpResponse:
    message_sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    sender = request.POST.get("From", "")
    if not message_sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are required.")
    media_count = min(_int(request.POST.get("NumMedia")) or 0, 10)
    media_urls = [request.POST[f"MediaUrl{i}"] for i in range(media_count) if f"MediaUrl{i}" in request.POST]
    receipt = services.sms_receive(
        message_sid=message_sid,
        from_number=sender,
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
        media_urls=media_urls,
    )
    response = MessagingResponse()
    if receipt.reply is not None:
        response.message(receipt.reply.body, action=sms_status_callback_url(receipt.reply), method="POST")
    return twiml.twiml_response(response)


@twilio_webhook
@within_budget()
def sms_status(request: HttpRequest) -> HttpResponse:
    """Message status callback for texts we sent (by API or as a TwiML reply)."""
    message_sid = request.POST.get("MessageSid") or request.POST.get("SmsSid", "")
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus", "")
    if not message_sid or not status:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required.")
    services.message_update_status(
        message_sid=message_sid,
        status=status,
        error_code=request.POST.get("ErrorCode", ""),
        message_id=_int(request.GET.get("message")),
    )
    return _no_content()
