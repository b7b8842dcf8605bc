"""A fake of Twilio's REST API for call control, behind the SDK's HTTP seam (offline).

`FakeTwilio` is a `twilio.http.HttpClient`: it records every request and answers the calls,
conferences and participants resources from what the test set up (the dispatcher's leg, a
conference's SID, a refusal). Install it with `messaging.override_backend(fake.backend())`.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

from hotline.messaging import TwilioBackend

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "12345678901234567890123456789012"
DISPATCHER_LEG = "CA" + "d" * 32
THIRD_PARTY_LEG = "CA" + "e" * 32
COORDINATOR_LEG = "CA" + "f" * 32
CONFERENCE_SID = "CF" + "c" * 32
PREFIX = f"/2010-04-01/Accounts/{ACCOUNT}/"


class FakeTwilio(HttpClient):
    def __init__(self, *, dispatcher_leg: str | None = DISPATCHER_LEG, conference_sid: str | None = None):
        super().__init__(logger=None, is_async=False)
        self.dispatcher_leg = dispatcher_leg
        self.conference_sid = conference_sid
        self.refuse: set[str] = set()  # "participants", "calls.update"...
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def backend(self) -> TwilioBackend:
        return TwilioBackend(account_sid=ACCOUNT, auth_token=TOKEN, http_client=self)

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        path = urlsplit(uri).path
        assert path.startswith(PREFIX), uri
        resource = path[len(PREFIX) :]
        with self.lock:
            self.requests.append(
                {"method": method, "path": resource, "params": dict(params or {}), "data": dict(data or {})}
            )
        return self._answer(method, resource, dict(params or {}), dict(data or {}))

    def _error(self, message: str) -> Response:
        return Response(400, json.dumps({"code": 21220, "message": message, "status": 400}))

    def _answer(self, method: str, resource: str, params: dict, data: dict) -> Response:
        if method == "GET" and resource == "Calls.json":
            legs = (
                []
                if self.dispatcher_leg is None
                else [_call(self.dispatcher_leg, parent=params.get("ParentCallSid"))]
            )
            return Response(
                200, json.dumps({"calls": legs, "next_page_uri": None, "page": 0, "page_size": 5})
            )
        if method == "POST" and (match := re.fullmatch(r"Calls/(CA\w+)\.json", resource)):
            if "calls.update" in self.refuse:
                return self._error("Call is not in-progress. Cannot redirect.")
            return Response(200, json.dumps(_call(match[1])))
        if method == "GET" and resource == "Conferences.json":
            found = (
                [] if self.conference_sid is None else [{"sid": self.conference_sid, "account_sid": ACCOUNT}]
            )
            return Response(
                200, json.dumps({"conferences": found, "next_page_uri": None, "page": 0, "page_size": 1})
            )
        if method == "POST" and re.fullmatch(r"Conferences/[^/]+/Participants\.json", resource):
            if "participants" in self.refuse:
                return self._error("Invalid 'To' Phone Number")
            leg = COORDINATOR_LEG if data.get("Label") == "coordinator" else THIRD_PARTY_LEG
            return Response(201, json.dumps(_participant(leg)))
        if method == "POST" and (
            match := re.fullmatch(r"Conferences/(CF\w+)/Participants/(CA\w+)\.json", resource)
        ):
            return Response(200, json.dumps(_participant(match[2], conference=match[1])))
        raise AssertionError(f"unexpected Twilio request {method} {resource}")

    def made(self, method: str, pattern: str) -> list[dict]:
        """The requests to resources matching `pattern` (a regular expression)."""
        return [r for r in self.requests if r["method"] == method and re.fullmatch(pattern, r["path"])]


def _call(sid: str, *, parent: str | None = None) -> dict:
    return {"sid": sid, "account_sid": ACCOUNT, "parent_call_sid": parent, "status": "in-progress"}


def _participant(call_sid: str, *, conference: str = CONFERENCE_SID) -> dict:
    return {"call_sid": call_sid, "conference_sid": conference, "account_sid": ACCOUNT, "status": "queued"}
