"""Template helpers of the dispatch console."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.translation import gettext as _

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
