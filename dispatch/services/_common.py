"""Helpers several dispatch services share: the error every service raises for a request it
cannot carry out, the referral a dispatcher picks (at triage or as an incident's outcome), and
the rendering of a text to a person from `templates/dispatch/sms/`.

Nothing here changes state. The concept modules of this package import it; `DispatchError` and
`ReferralChoice` are re-exported by `dispatch.services` for views and tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


class DispatchError(Exception):
    """A request that cannot be carried out; the message is shown to the user."""


@dataclass(frozen=True)
class ReferralChoice:
    partner: object  # outreach.Partner
    service_type: object | None = None
    notes: str = ""


def _sms_text(template: str, *, language: str, **context) -> str:
    """A text to a person, from a template, in their language, on one paragraph per line."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"dispatch/sms/{template}.txt", context)
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line)
