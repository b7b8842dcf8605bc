"""Queries of the volunteers app that views and other apps share, one module per concept:

    training     the modules a role requires, who is qualified for a role or a call type, expiry
    curriculum   what completing a module needs (quiz, attendance, sign-off), quiz attempts
    agreements   the current community agreements and whether a volunteer accepted them
    onboarding   each role's checklist, a volunteer's progress, the gate on the role's pages
    on_shift     `on_shift_now`, who the hotline rings and dispatch sends
    shifts       staffing, a volunteer's open shifts and own assignment, the coverage grid
    hours        hours served, per volunteer and per week
    volunteer    finding a volunteer by phone or account, the coordinators' search

`on_shift_now` is what the hotline rings and dispatch sends: keep it one query.

Other modules and apps import from here (`from volunteers.selectors import on_shift_now`).
"""

from ._common import json_list_contains
from .agreements import agreements_accepted, current_agreements
from .curriculum import (
    Requirement,
    active_quiz,
    has_valid_completion,
    module_requirements,
    quiz_attempts_left,
    quiz_attempts_used,
)
from .hours import WeeklyHours, volunteer_hours, weekly_hours, with_hours
from .on_shift import on_shift_now
from .onboarding import (
    ONBOARDED_ROLES,
    StepStatus,
    experienced_in,
    onboarded_for_role_q,
    onboarding_blocks,
    onboarding_review,
    onboarding_roles_for,
    onboarding_status,
    onboarding_steps,
    role_ready,
)
from .shifts import assignment_get_for_volunteer, coverage_grid, open_shifts_for, shifts_with_staffing
from .training import (
    completions_expiring,
    is_qualified,
    qualified_for_call_type,
    qualified_for_call_type_q,
    qualified_for_role_q,
    qualified_roles,
    required_modules,
    training_status,
)
from .volunteer import volunteer_by_phone, volunteer_for_user, volunteer_search

__all__ = [
    "ONBOARDED_ROLES",
    "Requirement",
    "StepStatus",
    "WeeklyHours",
    "active_quiz",
    "agreements_accepted",
    "assignment_get_for_volunteer",
    "completions_expiring",
    "coverage_grid",
    "current_agreements",
    "experienced_in",
    "has_valid_completion",
    "is_qualified",
    "json_list_contains",
    "module_requirements",
    "on_shift_now",
    "onboarded_for_role_q",
    "onboarding_blocks",
    "onboarding_review",
    "onboarding_roles_for",
    "onboarding_status",
    "onboarding_steps",
    "open_shifts_for",
    "qualified_for_call_type",
    "qualified_for_call_type_q",
    "qualified_for_role_q",
    "qualified_roles",
    "quiz_attempts_left",
    "quiz_attempts_used",
    "required_modules",
    "role_ready",
    "shifts_with_staffing",
    "training_status",
    "volunteer_by_phone",
    "volunteer_for_user",
    "volunteer_hours",
    "volunteer_search",
    "weekly_hours",
    "with_hours",
]
