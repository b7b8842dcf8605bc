"""Models of the volunteers app, one module per concept:

    reference    Area and Language, the reference data other apps point at
    volunteer    a volunteer's record (application, availability, status) and coordinators' notes
    shifts       ShiftRole, shifts and the places volunteers hold on them
    training     training modules, sessions, attendance and completions
    curriculum   lessons and their materials, quizzes and attempts, competency sign-offs
    onboarding   each role's onboarding checklist and the steps a volunteer has done
    agreements   the community agreements' versions and their acceptances

Area and Language are shared reference data: intakes, partners, volunteers and shifts point at
them, so they live in the lowest app of the dependency chain.

Every model and choices class is re-exported here: other modules and apps import from
`volunteers.models`. Migrations name `volunteers.models.material_upload_to` and
`volunteers.models._new_calendar_token`, so both stay importable from here.
"""

from .agreements import CommunityAgreementAcceptance, CommunityAgreementVersion
from .curriculum import (
    QUIZ_LANGUAGES,
    CompetencySignOff,
    Lesson,
    LessonMaterial,
    Quiz,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
    material_upload_to,
)
from .onboarding import OnboardingRecord, OnboardingStep
from .reference import Area, Language
from .shifts import Shift, ShiftAssignment, ShiftRole
from .training import TaughtBy, TrainingAttendance, TrainingCompletion, TrainingModule, TrainingSession
from .volunteer import (
    AVAILABILITY_SLOTS,
    DAY_PARTS,
    WEEKDAYS,
    HeardAbout,
    Volunteer,
    VolunteerNote,
    _new_calendar_token,
)

__all__ = [
    "AVAILABILITY_SLOTS",
    "DAY_PARTS",
    "QUIZ_LANGUAGES",
    "WEEKDAYS",
    "Area",
    "CommunityAgreementAcceptance",
    "CommunityAgreementVersion",
    "CompetencySignOff",
    "HeardAbout",
    "Language",
    "Lesson",
    "LessonMaterial",
    "OnboardingRecord",
    "OnboardingStep",
    "Quiz",
    "QuizAttempt",
    "QuizChoice",
    "QuizQuestion",
    "Shift",
    "ShiftAssignment",
    "ShiftRole",
    "TaughtBy",
    "TrainingAttendance",
    "TrainingCompletion",
    "TrainingModule",
    "TrainingSession",
    "Volunteer",
    "VolunteerNote",
    "_new_calendar_token",
    "material_upload_to",
]
