"""Play Twilio's part without Twilio: signed requests through the real webhook views.

Used by the `simulate_call` and `simulate_sms` management commands. Requests carry the full set
of parameters Twilio sends and are signed with the same token the views verify
(`hotline.signatures.webhook_auth_token`), then followed the way Twilio follows TwiML.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse

from hotline.signatures import SIGNATURE_HEADER, public_url, sign

DIGIT_BY_LANGUAGE = {"en": "1", "ko": "2", "es": "3"}
DEFAULT_HOTLINE_NUMBER = "+12025550100"
MAX_STEPS = 12


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def _place(prefix: str, number: str) -> dict[str, str]:
    country = "US" if number.startswith("+1") else ""
    return {
        f"{prefix}": number,
        f"{prefix}City": "",
        f"{prefix}Country": country,
        f"{prefix}State": "",
        f"{prefix}Zip": "",
    }


@dataclass
class Exchange:
    url: str
    params: dict[str, str]
    status: int
    body: str


@dataclass
class TwilioSimulator:
    """Posts signed webhook requests and records every exchange."""

    on_exchange: Callable[[Exchange], None] | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = urlsplit(settings.PUBLIC_BASE_URL)
        self.client = Client(HTTP_HOST=base.netloc, raise_request_exception=True)
        self.secure = base.scheme == "https"
        self.account_sid = settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32

    def post(self, url: str, params: dict[str, str]) -> Exchange:
        """POST params to a path or an absolute URL under PUBLIC_BASE_URL, signed."""
        if not url.startswith("http"):
            url = public_url(url)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.post(
            target, data=params, secure=self.secure, headers={SIGNATURE_HEADER: sign(url, params)}
        )
        exchange = Exchange(
            url=url, params=params, status=response.status_code, body=response.content.decode()
        )
        self.exchanges.append(exchange)
        if self.on_exchange:
            self.on_exchange(exchange)
        return exchange


@dataclass
class CallScript:
    """What the simulated people do: the caller's menu choice, the volunteer's key press."""

    caller: str
    hotline: str
    language: str | None  # None: the caller presses nothing
    press: str | None = None  # the answering volunteer's key; None: nobody answers
    fallback_answers: bool = False
    voicemail_seconds: int = 25
    call_sid: str = field(default_factory=lambda: new_sid("CA"))


class CallSimulation:
    """A whole inbound call: incoming, menu, ringing, screening, voicemail, callbacks."""

    def __init__(self, script: CallScript, simulator: TwilioSimulator) -> None:
        self.script = script
        self.sim = simulator
        self.call_status = "ringing"

    def base_params(self) -> dict[str, str]:
        return {
            "AccountSid": self.sim.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.script.call_sid,
            "CallStatus": self.call_status,
            "Direction": "inbound",
            **_place("Called", self.script.hotline),
            **_place("Caller", self.script.caller),
            **_place("From", self.script.caller),
            **_place("To", self.script.hotline),
        }

    def run(self) -> None:
        exchange = self.sim.post(reverse("hotline:voice_incoming"), self.base_params())
        self.call_status = "in-progress"
        menu_tries = 0
        for _step in range(MAX_STEPS):
            root = _parse(exchange)
            if root is None:
                break
            gather = root.find("Gather")
            dial = root.find("Dial")
            record = root.find("Record")
            if gather is not None:
                menu_tries += 1
                exchange = self._answer_menu(root, gather)
            elif dial is not None:
                exchange = self._dial(dial)
            elif record is not None:
                exchange = self._leave_voicemail(record)
                break
            else:
                break
        self.call_status = "completed"
        params = self.base_params()
        params.update({"CallDuration": "60", "CallbackSource": "call-progress-events", "SequenceNumber": "0"})
        self.sim.post(reverse("hotline:voice_status"), params)

    def _answer_menu(self, root: ET.Element, gather: ET.Element) -> Exchange:
        params = self.base_params()
        if self.script.language is None:
            redirect = root.find("Redirect")
            return self.sim.post(redirect.text if redirect is not None else gather.get("action"), params)
        params.update(
            {"Digits": DIGIT_BY_LANGUAGE[self.script.language], "FinishedOnKey": "", "msg": "Gather End"}
        )
        return self.sim.post(gather.get("action"), params)

    def _dial(self, dial: ET.Element) -> Exchange:
        numbers = dial.findall("Number")
        screened = [n for n in numbers if n.get("url")]
        bridged = False
        status = "no-answer"
        child_sid = new_sid("CA")
        if screened and self.script.press is not None:
            bridged = self._screen(screened[0], child_sid)
            status = "completed"
        elif not screened and self.script.fallback_answers:
            bridged, status = True, "completed"
        params = self.base_params()
        params.update(
            {
                "DialCallSid": child_sid,
                "DialCallStatus": status,
                "DialCallDuration": "120" if bridged else "0",
                "DialBridged": "true" if bridged else "false",
            }
        )
        return self.sim.post(dial.get("action"), params)

    def _screen(self, number: ET.Element, child_sid: str) -> bool:
        """The first dialled volunteer answers, hears the whisper, and presses a key."""
        volunteer_phone = (number.text or "").strip()
        params = {
            "AccountSid": self.sim.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": child_sid,
            "CallStatus": "in-progress",
            "Direction": "outbound-dial",
            "ParentCallSid": self.script.call_sid,
            **_place("Called", volunteer_phone),
            **_place("Caller", self.script.hotline),
            **_place("From", self.script.hotline),
            **_place("To", volunteer_phone),
        }
        whisper = _parse(self.sim.post(number.get("url"), params))
        gather = whisper.find("Gather") if whisper is not None else None
        if gather is None:
            return False
        pressed = dict(params, Digits=self.script.press, FinishedOnKey="", msg="Gather End")
        answer = _parse(self.sim.post(gather.get("action"), pressed))
        return answer is not None and answer.find("Hangup") is None

    def _leave_voicemail(self, record: ET.Element) -> Exchange:
        recording_sid = new_sid("RE")
        recording_url = (
            f"https://api.twilio.com/2010-04-01/Accounts/{self.sim.account_sid}/Recordings/{recording_sid}"
        )
        recording = {
            "RecordingSid": recording_sid,
            "RecordingUrl": recording_url,
            "RecordingDuration": str(self.script.voicemail_seconds),
        }
        self.call_status = "completed"
        params = self.base_params()
        params.update({"Digits": "hangup", **recording})
        exchange = self.sim.post(record.get("action"), params)
        callback = record.get("recordingStatusCallback")
        if callback:
            self.sim.post(
                callback,
                {
                    "AccountSid": self.sim.account_sid,
                    "CallSid": self.script.call_sid,
                    "ErrorCode": "0",
                    "RecordingChannels": "1",
                    "RecordingSource": "RecordVerb",
                    "RecordingStatus": "completed",
                    **recording,
                },
            )
        return exchange


def simulate_sms(*, simulator: TwilioSimulator, sender: str, body: str, hotline: str) -> Exchange:
    sid = new_sid("SM")
    params = {
        "AccountSid": simulator.account_sid,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        **_place("From", sender),
        **_place("To", hotline),
    }
    return simulator.post(reverse("hotline:sms_incoming"), params)


def _parse(exchange: Exchange) -> ET.Element | None:
    if exchange.status != 200 or not exchange.body.strip():
        return None
    return ET.fromstring(exchange.body)  # noqa: S314 - our own views' TwiML, not outside input
