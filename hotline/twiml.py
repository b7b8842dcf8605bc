"""TwiML documents the voice webhooks answer with.

Every sentence a caller hears is a translated string, spoken in the caller's language with a
voice for it. No hold music anywhere: while dispatchers' phones ring the caller hears the
ordinary ringback tone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from hotline.models import language_label
from hotline.signatures import public_url
from hotline.softphone import browser_ready, client_identity

# Hotline languages, in menu order: (digit, language code).
MENU = (("1", "en"), ("2", "ko"), ("3", "es"))
LANGUAGE_BY_DIGIT = dict(MENU)
HOTLINE_LANGUAGES = tuple(code for _digit, code in MENU)
DEFAULT_LANGUAGE = "en"

# Amazon Polly voices Twilio offers for each language, with the locale Twilio expects.
VOICES = {
    "en": ("Polly.Joanna", "en-US"),
    "ko": ("Polly.Seoyeon", "ko-KR"),
    "es": ("Polly.Lupe", "es-US"),
}

SAFETY_LINE = gettext_noop("If you are in immediate danger, hang up and dial 911.")
MENU_LINES = {
    "en": gettext_noop("For English, press 1."),
    "ko": gettext_noop("For Korean, press 2."),
    "es": gettext_noop("For Spanish, press 3."),
}
MAX_NUMBERS_PER_DIAL = 10  # Twilio rings at most ten <Number>s at once.
FALLBACK_DIAL_TIMEOUT = 30
WHISPER_TIMEOUT = 8


def twiml_response(twiml: TwiML | str) -> HttpResponse:
    return HttpResponse(str(twiml), content_type="text/xml; charset=utf-8")


def webhook_url(name: str, **params: object) -> str:
    """Absolute URL of a hotline webhook, with query parameters Twilio will echo back."""
    path = reverse(f"hotline:{name}")
    if params:
        path += "?" + urlencode(params)
    return public_url(path)


def caller_language(code: str | None) -> str:
    return code if code in VOICES else DEFAULT_LANGUAGE


def say(node, language: str, message: str, /, **params: object) -> None:
    """Speak a translatable message in `language` with that language's voice."""
    language = caller_language(language)
    voice, locale = VOICES[language]
    with translation.override(language):
        text = gettext(message) % params if params else gettext(message)
    node.say(text, voice=voice, language=locale)


def language_menu(*, attempt: int) -> str:
    """The safety line and the language menu (TwiML text), built once per process.

    Every incoming call hears the same document, so the hot path only looks it up.
    """
    return _language_menu(attempt, settings.PUBLIC_BASE_URL)


@functools.lru_cache(maxsize=8)
def _language_menu(attempt: int, _base_url: str) -> str:
    return str(_build_language_menu(attempt=attempt))


def _build_language_menu(*, attempt: int) -> VoiceResponse:
    response = VoiceResponse()
    action = webhook_url("voice_language", attempt=attempt)
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=6)
    if attempt == 1:
        for language in HOTLINE_LANGUAGES:
            say(gather, language, SAFETY_LINE)
    else:
        for language in HOTLINE_LANGUAGES:
            say(gather, language, gettext_noop("Sorry, we did not get that."))
    for language in HOTLINE_LANGUAGES:
        say(gather, language, MENU_LINES[language])
    # No key pressed: the language view decides (ask once more, then English).
    response.redirect(action, method="POST")
    return response


def ring_dispatchers(
    *,
    volunteers: Sequence,
    language: str,
    round_: int,
    caller_id: str,
    excluded: Iterable[int] = (),
    intake_url: str = "",
    returned: int | None = None,
) -> VoiceResponse:
    """Ring every given volunteer at once; each answering phone is screened first.

    Dispatchers whose console softphone is ready are rung in the browser too, as a `<Client>`
    in the same `<Dial>` (first answer wins). People come first under Twilio's ten-noun limit:
    one `<Number>` each for up to ten, then the browsers of those rung with the nouns left.

    `returned`: the conference a caller comes back from (no one left with them after a
    transfer); the ringing then reports to the call-control webhooks (phones only: the return
    screening is the phone's).
    """
    response = VoiceResponse()
    if round_ == 1:
        say(
            response,
            language,
            gettext_noop(
                "Thank you for calling. We are connecting you with a volunteer. Please stay on the line."
            ),
        )
    else:
        say(
            response,
            language,
            gettext_noop("We are still trying to reach a volunteer. Please stay on the line."),
        )
    if returned is None:
        action = webhook_url("voice_dial_status", stage="volunteers", round=round_)
    else:
        action = webhook_url("voice_return_status", conference=returned)
    dial = response.dial(
        action=action,
        method="POST",
        timeout=settings.HOTLINE_DIAL_TIMEOUT,
        caller_id=caller_id or None,
        answer_on_bridge=True,
    )
    skipped = set(excluded)
    numbers = [v for v in volunteers if v.pk not in skipped][:MAX_NUMBERS_PER_DIAL]
    for volunteer in numbers:
        screen = webhook_url(
            "voice_screen" if returned is None else "voice_return_screen",
            volunteer=volunteer.pk,
            user=volunteer.user_id or "",
            lang=language,
            **({} if returned is None else {"conference": returned}),
        )
        dial.number(str(volunteer.phone), url=screen, method="POST")
    browsers = [v for v in numbers if returned is None and browser_ready(v)]
    browsers = browsers[: MAX_NUMBERS_PER_DIAL - len(numbers)]
    for volunteer in browsers:
        # A browser answer is a click on "Answer", never a voicemail: its leg is screened
        # without the "press 1" prompt (client=1), but accepted the same way (first one wins).
        screen = webhook_url(
            "voice_screen", volunteer=volunteer.pk, user=volunteer.user_id, lang=language, client=1
        )
        client = dial.client(url=screen, method="POST")
        client.identity(client_identity(user_id=volunteer.user_id))
        client.parameter(name="language", value=caller_language(language))
        if intake_url:
            client.parameter(name="intake_url", value=intake_url)
    return response


def fallback_or_voicemail(*, language: str, after_hours: bool = False) -> VoiceResponse:
    """FALLBACK_NUMBER when one is set (the caller's own number shown), else voicemail."""
    if not settings.FALLBACK_NUMBER:
        return voicemail(language=language, after_hours=after_hours)
    response = VoiceResponse()
    if after_hours:
        say(response, language, gettext_noop("Our volunteers are not answering calls right now."))
    say(response, language, gettext_noop("Please hold while we connect you to another crisis line."))
    dial = response.dial(
        action=webhook_url("voice_dial_status", stage="fallback", lang=caller_language(language)),
        method="POST",
        timeout=FALLBACK_DIAL_TIMEOUT,
        answer_on_bridge=True,
    )
    dial.number(settings.FALLBACK_NUMBER)
    return response


def _record(response: VoiceResponse) -> None:
    response.record(
        action=webhook_url("voice_voicemail"),
        method="POST",
        max_length=settings.HOTLINE_VOICEMAIL_MAX_SECONDS,
        timeout=10,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=webhook_url("voice_recording"),
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )


def voicemail(*, language: str, after_hours: bool = False) -> VoiceResponse:
    response = VoiceResponse()
    if after_hours:
        say(response, language, gettext_noop("Our volunteers are not answering calls right now."))
    else:
        say(response, language, gettext_noop("Sorry, no volunteer can take your call right now."))
    say(
        response,
        language,
        gettext_noop(
            "After the tone, please leave your name, a number where we can call you back, and what is "
            "happening. A volunteer will call you back as soon as possible. Press the pound key when "
            "you are done."
        ),
    )
    _record(response)
    say(
        response, language, gettext_noop("We did not receive a message. Please call again or send us a text.")
    )
    response.hangup()
    return response


def voicemail_thanks(*, language: str) -> VoiceResponse:
    response = VoiceResponse()
    say(response, language, gettext_noop("Thank you. A volunteer will call you back as soon as possible."))
    say(response, language, SAFETY_LINE)
    response.hangup()
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def screen_prompt(*, caller_lang: str, accept_url: str) -> VoiceResponse:
    """The whisper the answering volunteer hears; only pressing 1 connects the caller."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=accept_url, method="POST", timeout=WHISPER_TIMEOUT)
    staff_language = settings.LANGUAGE_CODE
    with translation.override(staff_language):
        language_name = language_label(caller_language(caller_lang))
    say(
        gather,
        staff_language,
        gettext_noop("Hotline call. The caller chose %(language)s. Press 1 to take the call."),
        language=language_name,
    )
    response.hangup()
    return response


def screen_accepted() -> VoiceResponse:
    response = VoiceResponse()
    say(response, settings.LANGUAGE_CODE, gettext_noop("Connecting you to the caller now."))
    return response


def callback_bridge(*, caller: str, caller_id: str) -> VoiceResponse:
    """Said to the dispatcher who asked for a callback, then the caller is dialled."""
    response = VoiceResponse()
    say(response, settings.LANGUAGE_CODE, gettext_noop("Connecting you to the caller now."))
    dial = response.dial(caller_id=caller_id or None, answer_on_bridge=True)
    dial.number(caller)
    say(response, settings.LANGUAGE_CODE, gettext_noop("The caller did not answer. Goodbye."))
    response.hangup()
    return response


def degraded(*, dial_fallback: bool = True) -> VoiceResponse:
    """What a caller hears when the database or Redis is failing: no lookups at all.

    FALLBACK_NUMBER when set (and not already tried), otherwise a voicemail.
    """
    response = VoiceResponse()
    for language in HOTLINE_LANGUAGES:
        say(response, language, SAFETY_LINE)
    if dial_fallback and settings.FALLBACK_NUMBER:
        for language in HOTLINE_LANGUAGES:
            say(response, language, gettext_noop("Please hold while we connect you to another crisis line."))
        dial = response.dial(
            action=webhook_url("voice_dial_status", stage="fallback", lang=DEFAULT_LANGUAGE),
            method="POST",
            timeout=FALLBACK_DIAL_TIMEOUT,
            answer_on_bridge=True,
        )
        dial.number(settings.FALLBACK_NUMBER)
        return response
    for language in HOTLINE_LANGUAGES:
        say(
            response,
            language,
            gettext_noop("Please leave a message after the tone and we will call you back."),
        )
    _record(response)
    response.hangup()
    return response


def static_fallback() -> VoiceResponse:
    """TwiML to publish where Twilio fetches it when our server does not answer at all (the
    number's voice fallback URL, `manage.py fallback_twiml`): no callback to this server, so
    it works with nothing of ours running. FALLBACK_NUMBER when set, else a message."""
    response = VoiceResponse()
    for language in HOTLINE_LANGUAGES:
        say(response, language, SAFETY_LINE)
    if settings.FALLBACK_NUMBER:
        for language in HOTLINE_LANGUAGES:
            say(response, language, gettext_noop("Please hold while we connect you to another crisis line."))
        # No action URL: when the dial ends Twilio goes on to the next verb in this document.
        response.dial(settings.FALLBACK_NUMBER, timeout=FALLBACK_DIAL_TIMEOUT, answer_on_bridge=True)
    for language in HOTLINE_LANGUAGES:
        say(response, language, gettext_noop("Sorry, no volunteer can take your call right now."))
    response.hangup()
    return response


# --- conferences (hotline.services.call_control) ------------------------------------------

CALLER = "caller"
DISPATCHER = "dispatcher"
HOLD_LINE = gettext_noop("Please stay on the line. We are connecting you.")
HOLD_PAUSE_SECONDS = 10


def conference_join(*, name: str, role: str) -> VoiceResponse:
    """Join the call's conference. The caller ends it on leaving and waits with our hold
    message until someone who starts it (the dispatcher, the third party) is in; the
    dispatcher leaving ends nothing."""
    response = VoiceResponse()
    dial = response.dial()
    caller = role == CALLER
    dial.conference(
        name,
        start_conference_on_enter=not caller,
        end_conference_on_exit=caller,
        beep=False,
        wait_url=webhook_url("voice_hold"),
        wait_method="POST",
        status_callback=webhook_url("voice_conference_status"),
        status_callback_method="POST",
        status_callback_event="start end join leave hold",
    )
    return response


def hold_loop(*, language: str) -> VoiceResponse:
    """What a caller on hold (or waiting in the conference) hears: a spoken line and a pause,
    over again. No music file: nothing fetched from elsewhere."""
    response = VoiceResponse()
    say(response, language, HOLD_LINE)
    response.pause(length=HOLD_PAUSE_SECONDS)
    response.redirect(webhook_url("voice_hold", lang=caller_language(language)), method="POST")
    return response


EVIDENCE_INTRO = gettext_noop(
    "Before you go, two optional questions help us keep this line open. You can simply hang up."
)
EVIDENCE_QUESTIONS = {
    1: gettext_noop(
        "If this line did not exist, who would you have called? For 911, press 1. For the police "
        "non-emergency line, press 2. For nobody, press 3. For someone else, press 4."
    ),
    2: gettext_noop(
        "How did you hear about us? An outreach event, press 1. A partner organisation, press 2. "
        "A transfer from 911, press 3. A friend or family member, press 4. Media, press 5. "
        "Anything else, press 6."
    ),
}
EVIDENCE_THANKS = gettext_noop("Thank you. Take care. If you are ever in immediate danger, dial 911.")


def evidence_question(*, language: str, question: int) -> VoiceResponse:
    """After the volunteer hung up: one optional question, a key press or silence ends it.

    Silence or hanging up skips it; nothing is repeated and no one waits for the answer."""
    response = VoiceResponse()
    action = webhook_url("voice_evidence", q=question, lang=caller_language(language))
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=6)
    if question == 1:
        say(gather, language, EVIDENCE_INTRO)
    say(gather, language, EVIDENCE_QUESTIONS[question])
    response.hangup()
    return response


def evidence_thanks(*, language: str) -> VoiceResponse:
    response = VoiceResponse()
    say(response, language, EVIDENCE_THANKS)
    response.hangup()
    return response
