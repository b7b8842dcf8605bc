"""State changes of the volunteers app. Each service owns its transaction.

Texts go out through `settings.VOLUNTEERS_SMS_SENDER` (a dotted path, by default the hotline's
`send_sms`), resolved at call time: volunteers sits below hotline and never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from volunteers.models import (
    Area,
    CommunityAgreementAcceptance,
    CommunityAgreementVersion,
    CompetencySignOff,
    Language,
    OnboardingRecord,
    OnboardingStep,
    Quiz,
    QuizAttempt,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
    VolunteerNote,
    _new_calendar_token,
)
from volunteers.roles import Role, has_role
from volunteers.selectors import (
    completions_expiring,
    current_agreements,
    experienced_in,
    has_valid_completion,
    is_qualified,
    module_requirements,
    quiz_attempts_used,
)

logger = logging.getLogger(__name__)

ROLE_GROUPS = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}


class VolunteerError(Exception):
    """A business rule refused the operation; the message is meant for the person acting."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


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


class ShiftFull(VolunteerError):
    def __init__(self) -> None:
        super().__init__(gettext_lazy("Sorry, this shift has just filled up."))


# --- texts ------------------------------------------------------------------------------


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


# --- sign-up and review -----------------------------------------------------------------


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


# --- training ---------------------------------------------------------------------------


def training_session_register(*, session: TrainingSession, volunteer: Volunteer) -> TrainingAttendance:
    """A volunteer (or applicant) registers for an upcoming session; places hold under concurrency."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.starts_at <= timezone.now():
            raise VolunteerError(_("This session has already started."))
        if volunteer.status not in (Volunteer.Status.ACTIVE, Volunteer.Status.APPLICANT):
            raise VolunteerError(_("Only applicants and active volunteers can register."))
        if session.attendance.filter(volunteer=volunteer).exists():
            raise VolunteerError(_("You are already registered for this session."))
        if session.capacity is not None and session.attendance.count() >= session.capacity:
            raise VolunteerError(_("Sorry, this session is full."))
        return TrainingAttendance.objects.create(session=session, volunteer=volunteer)


def training_completion_record(
    *,
    volunteer: Volunteer,
    module: TrainingModule,
    completed_on: date,
    by,
    session: TrainingSession | None = None,
) -> TrainingCompletion:
    """Record a completion (idempotent per volunteer, module and day); expiry from the module."""
    if completed_on > timezone.localdate():
        raise VolunteerError(_("A completion cannot be in the future."))
    completion, _created = TrainingCompletion.objects.get_or_create(
        volunteer=volunteer,
        module=module,
        completed_on=completed_on,
        defaults={"expires_on": module.expires_on_for(completed_on), "session": session, "recorded_by": by},
    )
    return completion


def training_attendance_record(*, session: TrainingSession, attended: Iterable[Volunteer], by) -> int:
    """Mark who attended (completions recorded) and who did not; returns the number attended."""
    if session.starts_at > timezone.now():
        raise VolunteerError(_("Attendance can be recorded once the session has started."))
    attended = list(attended)
    day = timezone.localdate(session.starts_at)
    with transaction.atomic():
        for volunteer in attended:
            TrainingAttendance.objects.update_or_create(
                session=session, volunteer=volunteer, defaults={"status": TrainingAttendance.Status.ATTENDED}
            )
            missing = [
                r for r in module_requirements(volunteer=volunteer, module=session.module) if not r.met
            ]
            if not missing:
                training_completion_record(
                    volunteer=volunteer, module=session.module, completed_on=day, by=by, session=session
                )
        absent = session.attendance.exclude(volunteer__in=attended)
        TrainingCompletion.objects.filter(
            session=session, volunteer__in=absent.values("volunteer"), module=session.module
        ).delete()
        absent.update(status=TrainingAttendance.Status.ABSENT)
    return len(attended)


def training_expiry_reminders_send(*, today: date | None = None) -> int:
    """Tell volunteers 30 days ahead that a training expires; each completion reminded once."""
    today = today or timezone.localdate()
    sent = 0
    due = completions_expiring(within_days=30, today=today).filter(expiry_reminder_sent_at__isnull=True)
    for pk in list(due.values_list("pk", flat=True)):
        now = timezone.now()
        if (
            TrainingCompletion.objects.filter(pk=pk, expiry_reminder_sent_at__isnull=True).update(
                expiry_reminder_sent_at=now
            )
            != 1
        ):
            continue
        completion = TrainingCompletion.objects.select_related("volunteer", "module").get(pk=pk)
        volunteer = completion.volunteer
        try:
            with translation.override(volunteer.preferred_language):
                body = _(
                    "Hotline: your training “%(module)s” expires on %(day)s. "
                    "Sign up for a refresher session: %(link)s"
                ) % {
                    "module": completion.module.title,
                    "day": formats.date_format(completion.expires_on, "DATE_FORMAT"),
                    "link": settings.PUBLIC_BASE_URL + reverse("volunteers:my_training"),
                }
                _notify(volunteer, body=body, subject=_("Your training expires soon"))
        except Exception:
            logger.exception("training expiry reminder %s failed; will retry", pk)
            TrainingCompletion.objects.filter(pk=pk, expiry_reminder_sent_at=now).update(
                expiry_reminder_sent_at=None
            )
            continue
        sent += 1
    return sent


# --- shifts -----------------------------------------------------------------------------

MAX_SHIFTS_PER_SERIES = 400


@dataclass(frozen=True)
class ShiftSeries:
    """Shifts of one role at the same local times on chosen weekdays over a date range.

    `end_time` at or before `start_time` means the shift ends the next day.
    `weekdays` are Python weekday numbers (Monday 0); empty means every day.
    """

    role: str
    date_from: date
    date_until: date
    start_time: time
    end_time: time
    weekdays: frozenset[int] = frozenset()
    capacity: int = 2
    minimum_staffing: int = 1
    area: Area | None = None
    notes: str = ""

    def occurrences(self) -> list[tuple[datetime, datetime]]:
        result = []
        day = self.date_from
        while day <= self.date_until:
            if not self.weekdays or day.weekday() in self.weekdays:
                end_day = day if self.end_time > self.start_time else day + timedelta(days=1)
                starts = timezone.make_aware(datetime.combine(day, self.start_time))
                ends = timezone.make_aware(datetime.combine(end_day, self.end_time))
                result.append((starts, ends))
            day += timedelta(days=1)
        return result


def shift_create_series(*, series: ShiftSeries, by) -> tuple[list[Shift], int]:
    """Create the series' shifts; identical ones that already exist are skipped (returns created, skipped)."""
    if series.date_until < series.date_from:
        raise VolunteerError(_("The last day is before the first day."))
    if series.start_time == series.end_time:
        raise VolunteerError(_("The start and end times are the same."))
    if series.minimum_staffing > series.capacity:
        raise VolunteerError(_("The minimum staffing cannot be more than the places."))
    occurrences = series.occurrences()
    if not occurrences:
        raise VolunteerError(_("No day in that range falls on the chosen weekdays."))
    if len(occurrences) > MAX_SHIFTS_PER_SERIES:
        raise VolunteerError(
            _("That would create more than %d shifts; choose a shorter range.") % MAX_SHIFTS_PER_SERIES
        )
    created, skipped = [], 0
    with transaction.atomic():
        for starts_at, ends_at in occurrences:
            if Shift.objects.filter(
                role=series.role, starts_at=starts_at, ends_at=ends_at, area=series.area
            ).exists():
                skipped += 1
                continue
            created.append(
                Shift.objects.create(
                    role=series.role,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    area=series.area,
                    capacity=series.capacity,
                    minimum_staffing=series.minimum_staffing,
                    notes=series.notes,
                    created_by=by,
                )
            )
    return created, skipped


def _check_may_take(*, shift: Shift, volunteer: Volunteer) -> None:
    if volunteer.status != Volunteer.Status.ACTIVE or volunteer.user is None:
        raise VolunteerError(_("Only active volunteers can take shifts."))
    if not has_role(volunteer.user, ROLE_GROUPS[shift.role]):
        raise VolunteerError(
            _("%(name)s is not approved for %(role)s shifts.")
            % {"name": volunteer.full_name, "role": shift.get_role_display()}
        )
    if not is_qualified(volunteer, shift.role, at=shift.starts_at):
        raise VolunteerError(
            _("%(name)s is missing training required for %(role)s shifts.")
            % {"name": volunteer.full_name, "role": shift.get_role_display()}
        )


def shift_sign_up(*, shift: Shift, volunteer: Volunteer, by=None) -> ShiftAssignment:
    """Give the volunteer a place on the shift (themself, or assigned by a coordinator `by`).

    The shift row is locked so that two people racing for the last place cannot both get it.
    """
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=shift.pk)
        if shift.starts_at <= timezone.now():
            raise VolunteerError(_("This shift has already started."))
        _check_may_take(shift=shift, volunteer=volunteer)
        holding = ShiftAssignment.objects.filter(status__in=ShiftAssignment.HOLDING)
        if holding.filter(shift=shift, volunteer=volunteer).exists():
            raise VolunteerError(_("%(name)s is already on this shift.") % {"name": volunteer.full_name})
        overlapping = holding.filter(
            volunteer=volunteer, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at
        )
        if overlapping.exists():
            raise VolunteerError(
                _("%(name)s is already on another shift at that time.") % {"name": volunteer.full_name}
            )
        if holding.filter(shift=shift).count() >= shift.capacity:
            raise ShiftFull
        return ShiftAssignment.objects.create(shift=shift, volunteer=volunteer, assigned_by=by)


def cancel_cutoff(shift: Shift) -> datetime:
    return shift.starts_at - timedelta(hours=settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS)


def assignment_cancel(*, assignment: ShiftAssignment, by_coordinator: bool = False) -> ShiftAssignment:
    """Free the place. Volunteers may cancel until the cut-off; coordinators until the start."""
    now = timezone.now()
    with transaction.atomic():
        assignment = ShiftAssignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
        if assignment.status != ShiftAssignment.Status.BOOKED:
            raise VolunteerError(_("This place is not booked."))
        if not by_coordinator and now > cancel_cutoff(assignment.shift):
            raise VolunteerError(
                _(
                    "Shifts can be cancelled up to %(hours)d hours before they start. Please call the coordinators."
                )
                % {"hours": settings.VOLUNTEERS_CANCEL_CUTOFF_HOURS}
            )
        if by_coordinator and now >= assignment.shift.starts_at:
            raise VolunteerError(_("The shift has started: mark attendance instead."))
        assignment.status = ShiftAssignment.Status.CANCELLED
        assignment.cancelled_at = now
        assignment.save(update_fields=["status", "cancelled_at"])
    return assignment


def assignment_mark(*, assignment: ShiftAssignment, status: str) -> ShiftAssignment:
    """A coordinator marks a booked (or already marked) place attended or no-show once the shift started."""
    if status not in (ShiftAssignment.Status.ATTENDED, ShiftAssignment.Status.NO_SHOW):
        raise VolunteerError(_("Choose attended or no-show."))
    with transaction.atomic():
        assignment = ShiftAssignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
        if assignment.status == ShiftAssignment.Status.CANCELLED:
            raise VolunteerError(_("This place was cancelled."))
        if assignment.shift.starts_at > timezone.now():
            raise VolunteerError(_("Attendance can be marked once the shift has started."))
        assignment.status = status
        assignment.save(update_fields=["status"])
    return assignment


REMINDERS = (
    # (field, window starts after now +, window ends at now +)
    ("reminder_24h_sent_at", timedelta(hours=1), timedelta(hours=24)),
    ("reminder_1h_sent_at", timedelta(0), timedelta(hours=1)),
)


def _reminder_body(assignment: ShiftAssignment, field: str) -> str:
    shift = assignment.shift
    values = {"role": shift.get_role_display(), **_local_when(shift.starts_at)}
    if field == "reminder_1h_sent_at":
        text = _("Hotline reminder: your %(role)s shift starts at %(start)s today. Thank you!")
    else:
        text = _(
            "Hotline reminder: your %(role)s shift starts %(day)s at %(start)s. "
            "If you cannot make it, tell the coordinators as soon as possible."
        )
    return text % values


def shift_reminders_send(*, now: datetime | None = None) -> int:
    """Text each booked volunteer 24 hours and 1 hour before their shift, each exactly once.

    Every reminder is claimed with a conditional update before the text goes out, so a task
    that runs twice (or two workers at once) cannot send it twice. A failed send is released
    for the next run.
    """
    now = now or timezone.now()
    sent = 0
    for field, after, until in REMINDERS:
        due = ShiftAssignment.objects.filter(
            Q(**{f"{field}__isnull": True}),
            status=ShiftAssignment.Status.BOOKED,
            volunteer__status=Volunteer.Status.ACTIVE,
            shift__starts_at__gt=now + after,
            shift__starts_at__lte=now + until,
        )
        for pk in list(due.values_list("pk", flat=True)):
            claimed = ShiftAssignment.objects.filter(
                Q(**{f"{field}__isnull": True}), pk=pk, status=ShiftAssignment.Status.BOOKED
            ).update(**{field: now})
            if claimed != 1:
                continue  # another run has it
            assignment = ShiftAssignment.objects.select_related("shift", "volunteer").get(pk=pk)
            try:
                with translation.override(assignment.volunteer.preferred_language):
                    _notify(
                        assignment.volunteer,
                        body=_reminder_body(assignment, field),
                        subject=_("Shift reminder"),
                    )
            except Exception:
                logger.exception("shift reminder %s for assignment %s failed; will retry", field, pk)
                ShiftAssignment.objects.filter(pk=pk, **{field: now}).update(**{field: None})
                continue
            sent += 1
    return sent


# --- curriculum: quizzes, sign-offs, completion when every requirement is met -----------------


def training_completion_try(
    *, volunteer: Volunteer, module: TrainingModule, by=None
) -> TrainingCompletion | None:
    """Record today's completion when the module asks for nothing more (quiz passed, session
    attended, trainer's sign-off, as the module requires) and no valid completion exists."""
    if has_valid_completion(volunteer=volunteer, module=module):
        return None
    requirements = module_requirements(volunteer=volunteer, module=module)
    # A module asking for nothing is completed by a coordinator or by attending a session.
    if not requirements or not all(r.met for r in requirements):
        return None
    return training_completion_record(
        volunteer=volunteer, module=module, completed_on=timezone.localdate(), by=by
    )


def quiz_attempt_submit(
    *, quiz: Quiz, volunteer: Volunteer, answers: dict[int, int], language: str
) -> QuizAttempt:
    """Score a quiz attempt (every question answered, one answer each) and keep it.

    The volunteer's row is locked so two submissions at once cannot overrun the attempts
    limit. A pass completes the module when nothing else is missing.
    """
    questions = list(quiz.questions.prefetch_related("choices"))
    if not quiz.is_active or not questions:
        raise VolunteerError(_("This quiz is not open."))
    chosen = {}
    for question in questions:
        choice_id = answers.get(question.pk)
        choices = {choice.pk: choice for choice in question.choices.all()}
        if choice_id not in choices:
            raise VolunteerError(_("Answer every question."))
        chosen[question.pk] = choices[choice_id]
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        if QuizAttempt.objects.filter(
            quiz=quiz, volunteer=volunteer, passed=True
        ).exists() and has_valid_completion(volunteer=volunteer, module=quiz.module):
            raise VolunteerError(_("You have already passed this quiz."))
        if (
            quiz.max_attempts is not None
            and quiz_attempts_used(quiz=quiz, volunteer=volunteer) >= quiz.max_attempts
        ):
            raise VolunteerError(_("No attempts are left: ask your coordinator."))
        correct = sum(1 for choice in chosen.values() if choice.is_correct)
        score = correct * 100 // len(questions)
        attempt = QuizAttempt.objects.create(
            quiz=quiz,
            volunteer=volunteer,
            language=language if language in dict(settings.LANGUAGES) else "en",
            answers={str(pk): choice.pk for pk, choice in chosen.items()},
            score=score,
            passed=score >= quiz.pass_mark,
        )
        if attempt.passed:
            training_completion_try(volunteer=volunteer, module=quiz.module)
    return attempt


def quiz_attempts_reset(*, quiz: Quiz, volunteer: Volunteer) -> int:
    """A coordinator gives a volunteer who used every attempt a fresh start (failed attempts go)."""
    with transaction.atomic():
        deleted, _detail = QuizAttempt.objects.filter(quiz=quiz, volunteer=volunteer, passed=False).delete()
    return deleted


def competency_sign_off(
    *, volunteer: Volunteer, module: TrainingModule, observed: str, by
) -> CompetencySignOff:
    """A trainer signs off a volunteer's competency after observing a role-play."""
    if not observed.strip():
        raise VolunteerError(_("Say what you observed in the role-play."))
    if not module.requires_sign_off:
        raise VolunteerError(_("This module does not ask for a sign-off."))
    with transaction.atomic():
        sign_off = CompetencySignOff.objects.create(
            volunteer=volunteer, module=module, observed=observed.strip(), signed_by=by
        )
        training_completion_try(volunteer=volunteer, module=module, by=by)
    return sign_off


# --- onboarding and community agreements ---------------------------------------------------------


def onboarding_record_add(
    *, volunteer: Volunteer, step: OnboardingStep, by, note: str = ""
) -> OnboardingRecord:
    """A coordinator records a step done (background check, orientation, first solo shift...).
    Training steps are not recorded: they follow the volunteer's completions."""
    if not step.recorded:
        raise VolunteerError(_("Training steps are done by completing the training, not recorded here."))
    if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS:
        raise VolunteerError(_("Shadow shifts are signed by an experienced volunteer."))
    if not step.is_active:
        raise VolunteerError(_("This step is no longer in use."))
    with transaction.atomic():
        return OnboardingRecord.objects.create(
            volunteer=volunteer, step=step, recorded_by=by, note=note[:300]
        )


def shadow_shift_sign(
    *, trainee: Volunteer, step: OnboardingStep, signer: Volunteer, note: str = ""
) -> OnboardingRecord:
    """An experienced volunteer (holding the role, with its onboarding done) signs a shadow
    shift the trainee did with them."""
    if step.kind != OnboardingStep.Kind.SHADOW_SHIFTS or not step.is_active:
        raise VolunteerError(_("Choose a shadow-shift step."))
    if trainee.pk == signer.pk:
        raise VolunteerError(_("You cannot sign your own shadow shift."))
    if step.role not in experienced_in(signer):
        raise VolunteerError(_("Only an experienced volunteer in this role can sign a shadow shift."))
    with transaction.atomic():
        return OnboardingRecord.objects.create(
            volunteer=trainee, step=step, vouched_by=signer, recorded_by=signer.user, note=note[:300]
        )


def community_agreements_publish(
    *, text_en: str, text_ko: str = "", text_es: str = "", by
) -> CommunityAgreementVersion:
    """Publish a new version: everyone is asked to accept it again."""
    if not text_en.strip():
        raise VolunteerError(_("Write the agreements in English at least."))
    with transaction.atomic():
        # Serialise publishers so two at once cannot take the same number.
        CommunityAgreementVersion.objects.select_for_update().order_by("-version").first()
        latest = CommunityAgreementVersion.objects.order_by("-version").first()
        return CommunityAgreementVersion.objects.create(
            version=(latest.version + 1) if latest else 1,
            text_en=text_en.strip(),
            text_ko=text_ko.strip(),
            text_es=text_es.strip(),
            published_by=by,
        )


def community_agreements_accept(*, volunteer: Volunteer) -> CommunityAgreementAcceptance | None:
    """The volunteer accepts the current version (idempotent); None when none is published."""
    current = current_agreements()
    if current is None:
        return None
    with transaction.atomic():
        acceptance, _created = CommunityAgreementAcceptance.objects.get_or_create(
            volunteer=volunteer, version=current
        )
    return acceptance


def onboarding_steps_seed() -> int:
    """The default checklists of dispatchers and responders (steps only added when a role has
    none yet, so coordinators' edits stay). Returns the number of steps created."""
    Kind = OnboardingStep.Kind
    default = [
        (Kind.BACKGROUND_CHECK, 1, True),
        (Kind.ORIENTATION, 1, True),
        (Kind.REQUIRED_MODULES, 1, True),
        (Kind.SHADOW_SHIFTS, 2, True),
        (Kind.FIRST_SOLO_SHIFT, 1, False),
    ]
    created = 0
    with transaction.atomic():
        for role in ShiftRole.values:
            if OnboardingStep.objects.filter(role=role).exists():
                continue
            for position, (kind, count, before) in enumerate(default, start=1):
                OnboardingStep.objects.create(
                    role=role,
                    kind=kind,
                    required_count=count,
                    required_before_access=before,
                    position=position,
                )
                created += 1
    return created


# The curriculum's modules (data migration 0006) each role requires in a new deployment: the
# console shows callers' numbers, so nobody reaches it untrained in the default configuration.
DEFAULT_ROLE_MODULES = {
    ShiftRole.DISPATCHER: ("screening-protocol-console", "privacy-mandated-reporting"),
    ShiftRole.RESPONDER: ("de-escalation", "privacy-mandated-reporting"),
}


def training_requirements_seed() -> int:
    """List the default curriculum modules as required for each role that requires none yet (so
    coordinators' choices stay). Returns the number of (module, role) requirements added."""
    from volunteers.selectors import required_modules

    added = 0
    with transaction.atomic():
        for role, slugs in DEFAULT_ROLE_MODULES.items():
            if required_modules(role).exists():
                continue
            for module in TrainingModule.objects.select_for_update().filter(slug__in=slugs, is_active=True):
                module.roles = sorted({*module.roles, role})
                module.save(update_fields=["roles"])
                added += 1
    return added


# --- first run in production -------------------------------------------------------------------


def staff_account_ensure(
    *, username: str, email: str, superuser: bool, password: str | None
) -> tuple[object, bool]:
    """The first accounts of a deployment: a superuser (with `password`) or a coordinator (staff,
    in the Coordinator group, no usable password until they follow their set-password link).

    Idempotent: an existing account of that username is returned unchanged (created=False).
    The role groups and their permissions are made first, and the creation is audited.
    """
    from django.contrib.auth.password_validation import validate_password

    from audit.services import Action, audit_record
    from volunteers.roles import sync_group_permissions

    User = get_user_model()
    with transaction.atomic():
        sync_group_permissions()
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            return existing, False
        user = User(username=username, email=email.strip().lower(), is_staff=True, is_superuser=superuser)
        if superuser:
            validate_password(password or "", user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.COORDINATOR))
        audit_record(
            action=Action.CREATED,
            subject=User,
            ids=[user.pk],
            what="set-up: superuser" if superuser else "set-up: coordinator",
            actor_label="system: setup_production",
            fields=["is_staff", "is_superuser", "groups"],
        )
    return user, True


def set_password_link(user) -> str:
    """An absolute one-time link to choose a password (valid PASSWORD_RESET_TIMEOUT)."""
    return settings.PUBLIC_BASE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
