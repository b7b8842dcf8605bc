"""Template helpers of the dispatch console."""

from __future__ import annotations

import re
from datetime import datetime

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

register = template.Library()

LONG_WAIT_SECONDS = 5 * 60


@register.filter
def waited(since: datetime | None, now: datetime) -> str:
    """How long since `since`, for a person reading at a glance: "45 s", "3 min 05 s", "1 h 12 min"."""
    if since is None:
        return ""
    return duration(max(int((now - since).total_seconds()), 0))


@register.filter
def duration(seconds: int | None) -> str:
    """A number of seconds as `waited` shows it: "20 s", "5 min 00 s", "1 h 12 min"."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}


@register.filter
def waited_long(since: datetime | None, now: datetime) -> bool:
    return since is not None and (now - since).total_seconds() >= LONG_WAIT_SECONDS


@register.filter
def masked(number) -> str:
    """A caller number with only the last four digits shown (the queue; the intake page shows all)."""
    digits = str(number or "")
    if not digits:
        return _("unknown")
    return "••• " + digits[-4:]


@register.filter
def localized(obj, field: str) -> str:
    """`obj.localized(field)` in the active language."""
    return obj.localized(field)


@register.filter
def spec_label(spec, language: str):
    """The question label of a protocol spec question in a language."""
    return spec.label(language)


@register.simple_tag
def question_label(spec, key: str, language: str) -> str:
    question = spec.question(key)
    return question.label(language) if question else key


@register.filter
def decision_label(value: str) -> str:
    from dispatch.models import Decision

    return str(Decision(value).label) if value in Decision.values else ""


@register.filter
def explanation(rule, language: str) -> str:
    """A protocol rule's explanation in a language (English when not translated)."""
    if rule is None:
        return ""
    return rule.explanation.get(language) or rule.explanation.get("en", "")


@register.filter
def language_name(code: str) -> str:
    """ "ko" -> "Korean" (the hotline's languages), else the code."""
    from hotline.models import language_label

    return language_label(code) if code else ""


@register.simple_tag
def rule_condition(spec, rule, language: str) -> dict:
    """A protocol rule's condition as a dispatcher reads it: the question's text and the
    values' labels ("Call type" is "Syringe litter"), not the keys and slugs it is stored as."""
    from dispatch.protocol import NO, YES
    from hotline.models import language_label

    question = spec.question(rule.question_key)
    values = (
        [part.strip() for part in rule.value.split(",") if part.strip()]
        if rule.operator == "in"
        else [rule.value]
    )

    def name(value: str) -> str:
        if question is None:
            return value
        if question.kind == "yes_no":
            return str({YES: _("yes"), NO: _("no")}.get(value, value))
        if question.kind == "language":
            return language_label(value) or value
        for option in question.options:
            if option.value == value:
                return option.label(language)
        return value

    return {
        "question": question.label(language) if question else rule.question_key,
        "values": ", ".join(name(value) for value in values),
    }


# The timeline's notes are stored as written, in the language of the request that wrote them
# (English for texts, webhooks and background work). Those written from these messages are shown
# again in the reader's language; anything else (a person's own note) as it is.
_EVENT_NOTES = (
    gettext_noop("by text"),
    gettext_noop("by link"),
    gettext_noop("%(count)s responders texted: %(names)s"),
    gettext_noop("Also texted: %(names)s"),
    gettext_noop("Text to %(to)s failed: %(error)s"),
    gettext_noop("Failed text to %(to)s sent again."),
    gettext_noop("Field contact opened by %(name)s"),
)


def _note_pattern(message: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", message)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.*?)" for index, part in enumerate(parts)
    )
    return re.compile(f"^{pattern}$", re.DOTALL)


_NOTE_PATTERNS = [(message, _note_pattern(message)) for message in _EVENT_NOTES]


@register.filter
def event_note(note: str) -> str:
    """A timeline note in the reader's language when it is one of the system's own."""
    for message, pattern in _NOTE_PATTERNS:
        match = pattern.match(note)
        if match:
            return _(message) % match.groupdict() if match.groupdict() else _(message)
    return note


@register.inclusion_tag("dispatch/_debriefs_pending.html", takes_context=True)
def debriefs_pending(context):
    """Closed incidents the signed-in responder was on and may still debrief."""
    from dispatch.debriefs import debriefs_pending_for
    from volunteers.selectors import volunteer_for_user

    request = context.get("request")
    volunteer = volunteer_for_user(getattr(request, "user", None))
    return {"incidents": list(debriefs_pending_for(volunteer)) if volunteer else []}
