"""Every page, for every kind of user, in Korean and Spanish: no English left behind, no raw
slugs or keys where a reader expects words.

The URL conf is walked as in test_access_matrix (its rules, objects and URL builders), each page
a user may open is fetched in the language, and the text a reader sees (not URLs, attributes,
scripts or <code>, where keys belong) is checked against English-only fragments found before and
against the system's own slugs: call types, availability slots, decisions, statuses.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.test_access_matrix import (  # noqa: F401 - `users` and the autouse fixtures are fixtures
    ANONYMOUS,
    COORDINATOR,
    DISPATCHER,
    RESPONDER,
    USERS,
    VOLUNTEER,
    Objects,
    _no_twilio_media,
    _quiet_boundaries,
    build_url,
    rule_for,
    url_names,
    users,
)

pytestmark = pytest.mark.django_db

# Written in English once and shown untranslated to Korean and Spanish readers.
ENGLISH_ONLY = (
    "intake page",
    "conversation page",
    "incident page",
    "responder page",
    "by text",
    "by link",
    "responders texted",
    "hotline.intake",
    "dispatch.incident",
    "HOTLINE_NUMBER",
    "mapping: manual",
)
# The menu says 상황실: the rest of the Korean pages call the console the same.
KOREAN_TERMS = {"콘솔": "상황실"}
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "template"}
# Pages where codes are what the reader types: the training module form asks for call-type
# codes (volunteers cannot name dispatch's call types), its help text shows two.
CODES_EXPECTED = {"volunteers:module_create", "volunteers:module_edit"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_slugs() -> set[str]:
    """The system's own keys a reader should never see as such."""
    from dispatch.models import CallType, Decision, Incident, IncidentEvent
    from volunteers.models import AVAILABILITY_SLOTS

    slugs = set(AVAILABILITY_SLOTS)
    slugs |= set(CallType.objects.values_list("slug", flat=True))
    for choices in (Decision, Incident.Status, IncidentEvent.Kind):
        slugs |= set(choices.values)
    # Single words ("closed", "note") are words, too: only compound keys are surely keys.
    return {slug for slug in slugs if "_" in slug or "-" in slug}


def _show_the_known_cases(objects: Objects) -> None:
    """Make sure the pages hold the records that used to leak: a volunteer's availability, a
    text answer on an incident's timeline, audit entries, a protocol rule on a call type."""
    from audit.services import audit_record
    from dispatch.models import IncidentEvent, ProtocolRule

    volunteer = objects.volunteer
    volunteer.availability = ["mon_evening", "tue_evening"]
    volunteer.roles_of_interest = ["responder", "dispatcher"]
    volunteer.save(update_fields=["availability", "roles_of_interest"])
    incident = objects.incident
    IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.ACCEPTED, volunteer=volunteer, note="by text"
    )
    coordinator = objects.users[COORDINATOR]
    for what, subject, pk in (
        ("intake page", "hotline.intake", objects.intake.pk),
        ("conversation page", "hotline.intake", objects.intake.pk),
        ("status: en_route", "dispatch.incident", incident.pk),
    ):
        audit_record(action="viewed", subject=subject, ids=[pk], what=what, actor=coordinator, path="/")
    assert ProtocolRule.objects.filter(question_key="call_type").exists()


def pages_for(user_kind: str) -> list[str]:
    names = []
    for name in url_names():
        rule = rule_for(name)
        if rule is None or rule.webhook or rule.admin or rule.post_only or name.startswith("admin:"):
            continue
        if user_kind in rule.allowed and user_kind not in rule.not_theirs:
            names.append(name)
    return names


@pytest.mark.parametrize("language", ["ko", "es"])
@pytest.mark.parametrize("user_kind", USERS)
def test_every_page_speaks_the_readers_language(client, users, user_kind, language):  # noqa: F811
    objects = Objects(users)
    _show_the_known_cases(objects)
    slugs = raw_slugs()
    slug_pattern = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, sorted(slugs))) + r")(?![\w/-])")
    if users[user_kind] is not None:
        client.force_login(users[user_kind])
    client.cookies["django_language"] = language
    problems = {}
    for name in pages_for(user_kind):
        if name in ("api:openapi", "volunteers:calendar_feed", "set_language", "outreach:survey_export"):
            continue  # machine-readable or a redirect, not a page
        url = build_url(name, objects)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text = visible_text(response.content.decode())
        found = [fragment for fragment in ENGLISH_ONLY if fragment in text]
        if name not in CODES_EXPECTED:
            found += sorted(set(slug_pattern.findall(text)))
        if language == "ko":
            found += [term for term in KOREAN_TERMS if term in text]
        if found:
            problems[url] = found
    assert not problems, f"{user_kind} in {language}: {problems}"


def test_the_check_finds_what_it_looks_for():
    page = (
        "<p>Availability: mon_evening · <code>call_type</code></p>"
        "<script>var x = 'by text';</script><p>접수: by text</p>"
    )
    text = visible_text(page)
    assert "mon_evening" in text and "by text" in text
    assert "call_type" not in text and "var x" not in text
