"""A volunteer's own details: contact details and preferences, and their calendar feed's token."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from volunteers.models import Volunteer, _new_calendar_token

from ._common import VolunteerError


class AlreadyRegistered(VolunteerError):
    def __init__(self, field: str) -> None:
        self.field = field
        if field == "phone":
            message = gettext_lazy(
                "This phone number is already registered. If you signed up before, the coordinators "
                "will contact you; you do not need to sign up again."
            )
        else:
            message = gettext_lazy(
                "This email address is already registered. If you signed up before, the coordinators "
                "will contact you; you do not need to sign up again."
            )
        super().__init__(message)


def volunteer_calendar_token_reset(*, volunteer: Volunteer) -> str:
    """Revoke the calendar feed URL and issue a new one."""
    volunteer.calendar_token = _new_calendar_token()
    volunteer.save(update_fields=["calendar_token"])
    return volunteer.calendar_token


def volunteer_profile_update(*, volunteer: Volunteer, fields: dict) -> Volunteer:
    """Change the volunteer's own contact details and preferences."""
    simple = ["phone", "email", "preferred_language", "availability", "availability_notes", "sms_consent"]
    try:
        with transaction.atomic():
            for name in simple:
                setattr(volunteer, name, fields[name])
            volunteer.email = volunteer.email.strip().lower()
            volunteer.save(update_fields=simple)
            volunteer.languages.set(fields["languages"])
            volunteer.areas.set(fields["areas"])
    except IntegrityError:
        field = (
            "phone"
            if Volunteer.objects.filter(phone=fields["phone"]).exclude(pk=volunteer.pk).exists()
            else "email"
        )
        raise AlreadyRegistered(field) from None
    return volunteer
