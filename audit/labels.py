"""What the trail shows a coordinator: the act, the record and the page in their words.

Entries store plain English keys ("intake page", "status: en_route") and model labels
("dispatch.incident"), which stay stable for searching and exports; these functions turn them
into the reader's language and names (an incident's code rather than its database number).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# URL arguments that are credentials: never stored in the trail.
SECRET_ARGUMENTS = ("token", "uidb64")
REDACTED = "[token]"

WHAT = {
    "intake page": gettext_lazy("intake page"),
    "conversation page": gettext_lazy("conversation page"),
    "call log": gettext_lazy("call log"),
    "text sent to the caller": gettext_lazy("text sent to the caller"),
    "call back started": gettext_lazy("call back started"),
    "voicemail played": gettext_lazy("voicemail played"),
    "incident page": gettext_lazy("incident page"),
    "responder page": gettext_lazy("responder's page (signed link)"),
    "claimed": gettext_lazy("claimed"),
    "released": gettext_lazy("released"),
    "opened": gettext_lazy("opened"),
    "note added": gettext_lazy("note added"),
    "note": gettext_lazy("note added"),
    "outcome recorded": gettext_lazy("outcome recorded"),
    "outcome": gettext_lazy("outcome recorded"),
    "closed": gettext_lazy("closed"),
    "cancelled": gettext_lazy("cancelled"),
    "more responders texted": gettext_lazy("more responders texted"),
    "text resent": gettext_lazy("text resent"),
    "accept": gettext_lazy("accepted the call-out"),
    "decline": gettext_lazy("declined the call-out"),
    "field contact opened": gettext_lazy("field contact opened"),
    "hand-off received": gettext_lazy("hand-off received"),
    "admin: list": gettext_lazy("admin: list"),
    "admin: record": gettext_lazy("admin: record"),
    "admin: saved": gettext_lazy("admin: saved"),
    "admin: deleted": gettext_lazy("admin: deleted"),
    "admin: deleted selected": gettext_lazy("admin: deleted selected"),
}

PAGES = {
    "dispatch:intake": gettext_lazy("console: intake"),
    "dispatch:intake_claim": gettext_lazy("console: intake"),
    "dispatch:intake_release": gettext_lazy("console: intake"),
    "dispatch:intake_hand_over": gettext_lazy("console: intake"),
    "dispatch:intake_decide": gettext_lazy("console: intake"),
    "dispatch:incident": gettext_lazy("incident page"),
    "dispatch:incident_status": gettext_lazy("incident page"),
    "dispatch:incident_note": gettext_lazy("incident page"),
    "dispatch:incident_outcome": gettext_lazy("incident page"),
    "dispatch:incident_close": gettext_lazy("incident page"),
    "dispatch:incident_cancel": gettext_lazy("incident page"),
    "dispatch:incident_notify_more": gettext_lazy("incident page"),
    "dispatch:notification_resend": gettext_lazy("incident page"),
    "dispatch:responder": gettext_lazy("responder's signed link"),
    "dispatch:responder_action": gettext_lazy("responder's signed link"),
    "dispatch:field_contact": gettext_lazy("responder: field contact"),
    "hotline:call_list": gettext_lazy("call log"),
    "hotline:call_recording": gettext_lazy("call log: voicemail"),
    "hotline:intake_detail": gettext_lazy("conversation page"),
    "hotline:intake_reply": gettext_lazy("conversation page"),
    "hotline:intake_callback": gettext_lazy("conversation page"),
    "api:handoff_create": gettext_lazy("partner hand-off API"),
}


def redact_path(path: str) -> str:
    """The page's path without its query and with any credential in it (a responder's signed
    link token) replaced, so the trail cannot be used to open the link."""
    path = path.split("?", 1)[0]
    try:
        match = resolve(path)
    except Resolver404:
        return path
    for name in SECRET_ARGUMENTS:
        value = match.kwargs.get(name)
        if value:
            path = path.replace(f"/{value}", f"/{REDACTED}")
    return path


def _field_choice(model_label: str, field: str, value: str) -> str:
    try:
        choices = dict(apps.get_model(model_label)._meta.get_field(field).flatchoices)
    except (LookupError, FieldDoesNotExist):  # an unknown model or field shows the value
        return value
    return str(choices.get(value, value))


# Keys with a value after them, and how to name that value.
_PREFIXED = (
    (
        "status: ",
        gettext_lazy("status: %(value)s"),
        lambda v: _field_choice("dispatch.incident", "status", v),
    ),
    (
        "triaged: ",
        gettext_lazy("triaged: %(value)s"),
        lambda v: _field_choice("dispatch.triage", "decision", v),
    ),
    ("handed over to ", gettext_lazy("handed over to %(value)s"), str),
    ("redacted ", gettext_lazy("redacted %(value)s"), str),
    ("admin action: ", gettext_lazy("admin action: %(value)s"), str),
)


def what_label(what: str) -> str:
    """An entry's act in the reader's language ("status: en_route" -> "status: En route")."""
    if what in WHAT:
        return str(WHAT[what])
    for prefix, template, name in _PREFIXED:
        if what.startswith(prefix):
            return str(template) % {"value": name(what[len(prefix) :])}
    field_status = _field_choice("dispatch.incident", "status", what)
    if field_status != what:  # a responder's field status ("en_route") from their link
        return _("status: %(value)s") % {"value": field_status}
    return what


def subject_label(subject: str) -> str:
    """A record type in the reader's words ("hotline.intake" -> "intake")."""
    try:
        return str(apps.get_model(subject)._meta.verbose_name)
    except (LookupError, ValueError):
        return subject


def page_label(path: str) -> str:
    """The page an entry was recorded on, named ("incident page"); the path when unnamed."""
    if not path:
        return ""
    if path.startswith("/admin/"):
        return _("admin")
    try:
        match = resolve(path)
    except Resolver404:
        return path
    label = PAGES.get(match.view_name)
    return str(label) if label is not None else path


def record_names(entries: Iterable) -> dict[tuple[str, int], str]:
    """The names coordinators know records by, for the single-record entries of a page: an
    incident's code ("LKMS"); one query per record type that has such a name."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id is not None:
            wanted[entry.subject].add(entry.object_id)
    names = {}
    for subject, ids in wanted.items():
        try:
            model = apps.get_model(subject)
        except (LookupError, ValueError):
            continue
        if not any(field.name == "code" for field in model._meta.get_fields()):
            continue
        for pk, code in model._default_manager.filter(pk__in=ids).values_list("pk", "code"):
            names[(subject, pk)] = code
    return names


def record_label(entry, names: dict[tuple[str, int], str]) -> str:
    """ "intake #5", "incident LKMS", "intake × 40" (a bulk act)."""
    kind = subject_label(entry.subject)
    if entry.object_id is None:
        return f"{kind} × {entry.targets_count}"
    name = names.get((entry.subject, entry.object_id))
    return f"{kind} {name}" if name else f"{kind} #{entry.object_id}"
