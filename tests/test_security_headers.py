"""Content-Security-Policy on every page, no inline scripts in templates, no-store on caller data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from config.security import CONTENT_SECURITY_POLICY
from hotline.tests.factories import CallFactory, IntakeFactory

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [
    ROOT / "templates",
    *(ROOT / app / "templates" for app in ("volunteers", "hotline", "outreach", "dispatch", "assessment")),
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
# Inline code the strict policy blocks, in files whose owners are still finishing them
# (reported in /tmp/contract/qa_findings.md): relative path -> what breaks.
KNOWN_INLINE: dict[str, str] = {}


def test_policy_refuses_inline_and_foreign_scripts():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "login", "volunteers:signup"])
def test_public_pages_carry_the_policy(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_base_template_has_no_inline_code(client):
    html = client.get(reverse("home")).content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert "js/site.js" in html


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))


@pytest.mark.parametrize("path", list(_templates()), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_scripts(path):
    relative = str(path.relative_to(ROOT))
    source = path.read_text()
    inline = INLINE_SCRIPT.search(source) or INLINE_HANDLER.search(source)
    if relative in KNOWN_INLINE:
        assert inline, f"{relative} is fixed: remove it from KNOWN_INLINE"
        pytest.xfail(KNOWN_INLINE[relative])
    assert not INLINE_SCRIPT.search(source), "inline <script>: move it to a static file"
    assert not INLINE_HANDLER.search(source), "inline on...= handler: use data-* and static/js/site.js"


@pytest.mark.django_db
def test_hotline_pages_are_never_stored(client, dispatcher):
    call = CallFactory()
    intake = IntakeFactory(call=call) if hasattr(IntakeFactory._meta.model, "call") else IntakeFactory()
    client.force_login(dispatcher)
    for url in (reverse("hotline:call_list"), reverse("hotline:intake_detail", args=[intake.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"], url


@pytest.mark.django_db
def test_no_store_is_added_under_caller_data_prefixes(client, dispatcher, settings):
    """Even a view that forgot never_cache: a 404 under /hotline/ is not cached either."""
    client.force_login(dispatcher)
    response = client.get("/hotline/intakes/999999/")
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]
    assert "no-store" not in client.get(reverse("volunteers:signup")).get("Cache-Control", "")
