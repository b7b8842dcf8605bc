"""Coordinators' review of volunteers: approve (account and invitation), reject, deactivate, reactivate, notes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from volunteers.models import ShiftAssignment, ShiftRole, Volunteer, VolunteerNote
from volunteers.roles import Role

from ._common import ROLE_GROUPS, VolunteerError, _is_permanent, _send_sms

logger = logging.getLogger(__name__)


def _username_for(volunteer: Volunteer) -> str:
    User = get_user_model()
    base = volunteer.email[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def volunteer_approve(*, volunteer: Volunteer, by, roles: Iterable[str]) -> Volunteer:
    """Activate an applicant: a user account in the right groups and an invitation to set a password."""
    roles = [role for role in roles if role in ShiftRole.values]
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status not in (Volunteer.Status.APPLICANT, Volunteer.Status.REJECTED):
            raise VolunteerError(_("Only applicants can be approved."))
        user = volunteer.user
        if user is None:
            # Always a new account: linking an existing one by the email an applicant typed
            # would let a stranger reset someone else's password.
            User = get_user_model()
            user = User(
                username=_username_for(volunteer),
                first_name=volunteer.first_name[:150],
                last_name=volunteer.last_name[:150],
                email=volunteer.email,
            )
            user.set_unusable_password()
            user.save()
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        groups = [Role.VOLUNTEER, *(ROLE_GROUPS[role] for role in roles)]
        user.groups.add(*Group.objects.filter(name__in=groups))
        now = timezone.now()
        volunteer.user = user
        volunteer.status = Volunteer.Status.ACTIVE
        volunteer.status_changed_at = now
        volunteer.approved_at = now
        volunteer.approved_by = by
        volunteer.rejection_reason = ""
        volunteer.invitation_sent_at = None
        volunteer.save(
            update_fields=[
                "user",
                "status",
                "status_changed_at",
                "approved_at",
                "approved_by",
                "rejection_reason",
                "invitation_sent_at",
            ]
        )
        _enqueue_invitation(volunteer.pk)
    return volunteer


def _enqueue_invitation(volunteer_id: int) -> None:
    from volunteers.tasks import send_invitation

    transaction.on_commit(partial(send_invitation.delay, volunteer_id))


def volunteer_invitation_resend(*, volunteer: Volunteer) -> None:
    """Send a fresh set-password link (an earlier one may have expired)."""
    if volunteer.status != Volunteer.Status.ACTIVE or volunteer.user is None:
        raise VolunteerError(_("Only active volunteers can be invited."))
    with transaction.atomic():
        Volunteer.objects.filter(pk=volunteer.pk).update(invitation_sent_at=None)
        _enqueue_invitation(volunteer.pk)


def volunteer_invitation_send(*, volunteer_id: int) -> bool:
    """Text and email the set-password link, once per request (claimed before sending)."""
    now = timezone.now()
    claimed = Volunteer.objects.filter(
        pk=volunteer_id, invitation_sent_at__isnull=True, status=Volunteer.Status.ACTIVE, user__isnull=False
    ).update(invitation_sent_at=now)
    if claimed != 1:
        return False
    volunteer = Volunteer.objects.select_related("user").get(pk=volunteer_id)
    user = volunteer.user
    link = settings.PUBLIC_BASE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(volunteer.preferred_language):
        context = {"volunteer": volunteer, "username": user.get_username(), "link": link}
        body = render_to_string("volunteers/messages/invitation_sms.txt", context).strip()
        subject = _("Welcome to the rapid-response hotline")
        email_body = render_to_string("volunteers/messages/invitation_email.txt", context)
    texted = False
    try:
        if volunteer.sms_consent:
            try:
                _send_sms(to=volunteer.phone.as_e164, body=body, secret=True)
                texted = True
            except Exception as exc:
                if not _is_permanent(exc):
                    raise
                logger.warning("invitation text to volunteer %s refused (%s); email only", volunteer_id, exc)
        send_mail(subject, email_body, None, [volunteer.email])
    except Exception:
        if texted:
            # The text went out: do not send it again for a failed email.
            logger.exception("invitation email to volunteer %s failed (the text was sent)", volunteer_id)
            return True
        Volunteer.objects.filter(pk=volunteer_id, invitation_sent_at=now).update(invitation_sent_at=None)
        raise
    return True


def volunteer_reject(*, volunteer: Volunteer, by, reason: str) -> Volunteer:
    reason = reason.strip()
    if not reason:
        raise VolunteerError(_("Give a reason for the rejection."))
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status != Volunteer.Status.APPLICANT:
            raise VolunteerError(_("Only applicants can be rejected."))
        volunteer.status = Volunteer.Status.REJECTED
        volunteer.status_changed_at = timezone.now()
        volunteer.rejection_reason = reason
        volunteer.save(update_fields=["status", "status_changed_at", "rejection_reason"])
        VolunteerNote.objects.create(volunteer=volunteer, author=by, body=_("Rejected: %s") % reason)
    return volunteer


def volunteer_deactivate(*, volunteer: Volunteer, by) -> Volunteer:
    """Stop an active volunteer: no login, off future shifts (places freed)."""
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status != Volunteer.Status.ACTIVE:
            raise VolunteerError(_("Only active volunteers can be deactivated."))
        now = timezone.now()
        volunteer.status = Volunteer.Status.INACTIVE
        volunteer.status_changed_at = now
        volunteer.save(update_fields=["status", "status_changed_at"])
        if volunteer.user is not None:
            volunteer.user.is_active = False
            volunteer.user.save(update_fields=["is_active"])
        ShiftAssignment.objects.filter(
            volunteer=volunteer, status=ShiftAssignment.Status.BOOKED, shift__starts_at__gt=now
        ).update(status=ShiftAssignment.Status.CANCELLED, cancelled_at=now)
        VolunteerNote.objects.create(volunteer=volunteer, author=by, body=_("Deactivated."))
    return volunteer


def volunteer_reactivate(*, volunteer: Volunteer, by) -> Volunteer:
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status != Volunteer.Status.INACTIVE or volunteer.user is None:
            raise VolunteerError(_("Only inactive volunteers can be reactivated."))
        volunteer.status = Volunteer.Status.ACTIVE
        volunteer.status_changed_at = timezone.now()
        volunteer.save(update_fields=["status", "status_changed_at"])
        volunteer.user.is_active = True
        volunteer.user.save(update_fields=["is_active"])
        VolunteerNote.objects.create(volunteer=volunteer, author=by, body=_("Reactivated."))
    return volunteer


def volunteer_note_add(*, volunteer: Volunteer, author, body: str) -> VolunteerNote:
    body = body.strip()
    if not body:
        raise VolunteerError(_("The note is empty."))
    return VolunteerNote.objects.create(volunteer=volunteer, author=author, body=body)
