"""Views of the volunteers app: HTTP only; rules live in services and selectors. One module per
page or part of the app:

    public_signup  the public sign-up form and its thank-you page
    own_shifts     a volunteer's shifts, the open ones, signing up, cancelling, the calendar feed
    own_training   a volunteer's training, session registration, a module's lessons, its quiz
    own_profile    a volunteer's own details
    onboarding     a volunteer's checklists and shadow shifts; the coordinators' review of them
    agreements     the community agreements: read, accept, publish
    review         coordinators' pages on volunteers: list, review queue, a volunteer and its actions
    training       coordinators' training pages: overview, modules, sessions, attendance
    shifts         coordinators' shift pages: list, new series, a shift and its places, coverage
    sign_in        the throttled login and password change, the second factor

Public: the sign-up form and the calendar feed (its secret token is the credential).
Everything else is behind `role_required`; a volunteer's pages only ever load
`request.user`'s own volunteer record. volunteers/urls.py and config/urls.py route to the names
re-exported here.
"""

from .agreements import community_agreements, community_agreements_accept, community_agreements_publish
from .onboarding import my_onboarding, onboarding_record_add, onboarding_review, shadow_shift_sign
from .own_profile import my_profile
from .own_shifts import (
    assignment_cancel,
    calendar_feed,
    calendar_reset,
    my_shifts,
    open_shifts,
    shift_sign_up,
)
from .own_training import lesson_material, module_detail, my_training, quiz_take, training_session_register
from .public_signup import signup, signup_done
from .review import (
    competency_sign_off,
    quiz_attempts_reset,
    review_queue,
    volunteer_approve,
    volunteer_completion_add,
    volunteer_deactivate,
    volunteer_detail,
    volunteer_invite_again,
    volunteer_list,
    volunteer_note_add,
    volunteer_reactivate,
    volunteer_reject,
)
from .shifts import assignment_update, coverage, shift_assign, shift_create, shift_detail, shift_list
from .sign_in import LoginView, PasswordChangeView, two_factor_setup, two_factor_verify
from .training import module_create, module_edit, session_create, training_overview, training_session_detail

__all__ = [
    "LoginView",
    "PasswordChangeView",
    "assignment_cancel",
    "assignment_update",
    "calendar_feed",
    "calendar_reset",
    "community_agreements",
    "community_agreements_accept",
    "community_agreements_publish",
    "competency_sign_off",
    "coverage",
    "lesson_material",
    "module_create",
    "module_detail",
    "module_edit",
    "my_onboarding",
    "my_profile",
    "my_shifts",
    "my_training",
    "onboarding_record_add",
    "onboarding_review",
    "open_shifts",
    "quiz_attempts_reset",
    "quiz_take",
    "review_queue",
    "session_create",
    "shadow_shift_sign",
    "shift_assign",
    "shift_create",
    "shift_detail",
    "shift_list",
    "shift_sign_up",
    "signup",
    "signup_done",
    "training_overview",
    "training_session_detail",
    "training_session_register",
    "two_factor_setup",
    "two_factor_verify",
    "volunteer_approve",
    "volunteer_completion_add",
    "volunteer_deactivate",
    "volunteer_detail",
    "volunteer_invite_again",
    "volunteer_list",
    "volunteer_note_add",
    "volunteer_reactivate",
    "volunteer_reject",
]
