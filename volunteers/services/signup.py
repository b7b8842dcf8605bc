"""Public sign-up: recording an application, and telling a registered person who signed up again."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from volunteers.models import Area, Language, Volunteer

from ._common import _notify

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Application:
    first_name: str
    last_name: str
    phone: str
    email: str
    preferred_language: str
    languages: Iterable[Language] = ()
    areas: Iterable[Area] = ()
    roles_of_interest: Iterable[str] = ()
    availability: Iterable[str] = ()
    availability_notes: str = ""
    heard_about: str = ""
    heard_about_detail: str = ""
    source_code: str = ""
    lead_reference: str = ""
    sms_consent: bool = False


def _already_registered(*, phone: str, email: str) -> list[Volunteer]:
    return list(Volunteer.objects.filter(Q(phone=phone) | Q(email__iexact=email)).order_by("pk"))


def _duplicate_notices_enqueue(volunteers: list[Volunteer]) -> None:
    from volunteers.tasks import send_duplicate_signup_notice

    for volunteer in volunteers:
        transaction.on_commit(partial(send_duplicate_signup_notice.delay, volunteer.pk))


def volunteer_apply(*, application: Application) -> Volunteer | None:
    """Record a public application; None when its phone or email is already registered.

    The sign-up page answers both the same way, so that it never tells a stranger who is
    registered: the person already known gets a text (or email) saying so instead, and no
    second record is made.
    """
    email = application.email.strip().lower()
    phone = str(application.phone)
    if known := _already_registered(phone=phone, email=email):
        _duplicate_notices_enqueue(known)
        return None
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                first_name=application.first_name.strip(),
                last_name=application.last_name.strip(),
                phone=phone,
                email=email,
                preferred_language=application.preferred_language,
                roles_of_interest=sorted(set(application.roles_of_interest)),
                availability=sorted(set(application.availability)),
                availability_notes=application.availability_notes,
                heard_about=application.heard_about,
                heard_about_detail=application.heard_about_detail,
                source_code=application.source_code[:64],
                lead_reference=application.lead_reference[:64],
                sms_consent=application.sms_consent,
                agreements_accepted_at=timezone.now(),
            )
            volunteer.languages.set(application.languages)
            volunteer.areas.set(application.areas)
    except IntegrityError:
        # Two submissions raced past the check; the unique constraints decided.
        _duplicate_notices_enqueue(_already_registered(phone=phone, email=email))
        return None
    return volunteer


# One notice per person and day at most, however often their number is typed into the form.
DUPLICATE_NOTICE_INTERVAL = 24 * 3600


def volunteer_duplicate_signup_notify(*, volunteer_id: int) -> bool:
    """Tell a registered person that someone (probably they) signed up again with their details."""
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if volunteer is None:
        return False
    try:
        first = cache.add(f"volunteers:duplicate-notice:{volunteer_id}", 1, timeout=DUPLICATE_NOTICE_INTERVAL)
    except Exception:  # noqa: BLE001 - without the cache, tell them anyway
        logger.warning("duplicate sign-up notice: cache unavailable, sending", exc_info=True)
        first = True
    if not first:
        return False
    with translation.override(volunteer.preferred_language):
        body = _(
            "Rapid-response hotline: someone just used your phone number or email to sign up as a "
            "volunteer. You are already registered, so nothing changed. If it was not you, you can "
            "ignore this message."
        )
        subject = _("You are already registered")
        _notify(volunteer, body=body, subject=subject)
    return True
