"""What several volunteers services share: the error they raise, the role groups, and texts to volunteers.

Texts go out through `settings.VOLUNTEERS_SMS_SENDER` (a dotted path, by default the hotline's
`send_sms`), resolved at call time: volunteers sits below hotline and never imports it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import formats, timezone
from django.utils.module_loading import import_string

from volunteers.models import ShiftRole, Volunteer
from volunteers.roles import Role

logger = logging.getLogger(__name__)

ROLE_GROUPS = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}


class VolunteerError(Exception):
    """A business rule refused the operation; the message is meant for the person acting."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _send_sms(*, to: str, body: str, secret: bool = False) -> None:
    sender = import_string(settings.VOLUNTEERS_SMS_SENDER)
    if secret:
        # The invitation carries a one-time set-password link: keep it out of stored copies.
        sender(to=to, body=body, redact_body=True)
    else:
        sender(to=to, body=body)


def _is_permanent(exc: Exception) -> bool:
    # The SMS sender marks errors retrying cannot fix (opted out, invalid number) `permanent`.
    return bool(getattr(exc, "permanent", False))


def _notify(volunteer: Volunteer, *, body: str, subject: str) -> None:
    """Text the volunteer when they agreed to texts, otherwise (or if texts are refused) email.

    A transient SMS failure raises, so that the caller can release its claim and retry.
    """
    if volunteer.sms_consent:
        try:
            _send_sms(to=volunteer.phone.as_e164, body=body)
            return
        except Exception as exc:
            if not _is_permanent(exc):
                raise
            logger.warning("text to volunteer %s refused (%s); emailing instead", volunteer.pk, exc)
    send_mail(subject, body, None, [volunteer.email])


def _local_when(moment: datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {
        "day": formats.date_format(local, "DATE_FORMAT"),
        "start": formats.time_format(local, "H:i"),
    }
