"""State changes of the volunteers app, one module per concept. Each service owns its transaction.

    signup          a public application; telling a registered person who signed up again
    review          coordinators approve (account and invitation), reject, deactivate, reactivate, note
    profiles        a volunteer's own details and their calendar feed's token
    training        session registration, attendance, recorded completions, expiry reminders
    curriculum      quizzes, trainers' sign-offs, completion once every requirement is met
    shifts          a series of shifts, signing up, cancelling, attendance, reminders
    onboarding      recorded steps, signed shadow shifts, the default checklists and required modules
    agreements      publishing and accepting the community agreements
    staff_accounts  the first staff accounts of a deployment and their set-password links

`_common` holds what they share: `VolunteerError`, the role groups, and texts to volunteers
(through `settings.VOLUNTEERS_SMS_SENDER`, resolved at call time: volunteers sits below hotline
and never imports it).

Other apps and tests import from here (`from volunteers.services import volunteer_approve`). To
replace a name in a test, patch it in the module that looks it up, e.g.
`volunteers.services.shifts._notify`, not on this package.
"""

from ._common import ROLE_GROUPS, VolunteerError
from .agreements import community_agreements_accept, community_agreements_publish
from .curriculum import competency_sign_off, quiz_attempt_submit, quiz_attempts_reset, training_completion_try
from .onboarding import (
    DEFAULT_ROLE_MODULES,
    onboarding_record_add,
    onboarding_steps_seed,
    shadow_shift_sign,
    training_requirements_seed,
)
from .profiles import AlreadyRegistered, volunteer_calendar_token_reset, volunteer_profile_update
from .review import (
    volunteer_approve,
    volunteer_deactivate,
    volunteer_invitation_resend,
    volunteer_invitation_send,
    volunteer_note_add,
    volunteer_reactivate,
    volunteer_reject,
)
from .shifts import (
    MAX_SHIFTS_PER_SERIES,
    REMINDERS,
    ShiftFull,
    ShiftSeries,
    assignment_cancel,
    assignment_mark,
    cancel_cutoff,
    shift_create_series,
    shift_reminders_send,
    shift_sign_up,
)
from .signup import DUPLICATE_NOTICE_INTERVAL, Application, volunteer_apply, volunteer_duplicate_signup_notify
from .staff_accounts import set_password_link, staff_account_ensure
from .training import (
    training_attendance_record,
    training_completion_record,
    training_expiry_reminders_send,
    training_session_register,
)

__all__ = [
    "DEFAULT_ROLE_MODULES",
    "DUPLICATE_NOTICE_INTERVAL",
    "MAX_SHIFTS_PER_SERIES",
    "REMINDERS",
    "ROLE_GROUPS",
    "AlreadyRegistered",
    "Application",
    "ShiftFull",
    "ShiftSeries",
    "VolunteerError",
    "assignment_cancel",
    "assignment_mark",
    "cancel_cutoff",
    "community_agreements_accept",
    "community_agreements_publish",
    "competency_sign_off",
    "onboarding_record_add",
    "onboarding_steps_seed",
    "quiz_attempt_submit",
    "quiz_attempts_reset",
    "set_password_link",
    "shadow_shift_sign",
    "shift_create_series",
    "shift_reminders_send",
    "shift_sign_up",
    "staff_account_ensure",
    "training_attendance_record",
    "training_completion_record",
    "training_completion_try",
    "training_expiry_reminders_send",
    "training_requirements_seed",
    "training_session_register",
    "volunteer_apply",
    "volunteer_approve",
    "volunteer_calendar_token_reset",
    "volunteer_deactivate",
    "volunteer_duplicate_signup_notify",
    "volunteer_invitation_resend",
    "volunteer_invitation_send",
    "volunteer_note_add",
    "volunteer_profile_update",
    "volunteer_reactivate",
    "volunteer_reject",
]
