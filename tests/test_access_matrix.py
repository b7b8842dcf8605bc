"""Access matrix: every URL of the project, for every kind of user, against the intended rule.

The URL conf is walked recursively, so a new view appears here by itself; a URL name without a
rule in RULES fails `test_every_url_has_a_rule` (and its own row below). Parameters come from
real objects (`Objects`), one small builder per URL name in KWARGS.

What a rule means for each user:
- allowed: 200, 204, or a redirect somewhere other than the login page (their "own place");
  a POST-only view answers a GET with 405 and is probed with a POST instead.
- anonymous, not allowed: a redirect to the login page.
- signed in, not allowed: 403.
- Twilio webhooks: GET 405, unsigned POST 403, for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ANONYMOUS, VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR = (
    "anonymous",
    "volunteer",
    "responder",
    "dispatcher",
    "coordinator",
)
USERS = (ANONYMOUS, VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR)
SIGNED_IN = frozenset(USERS) - {ANONYMOUS}


def _handoff_source() -> str:
    from hotline.models import PARTNER_SOURCE_CHOICES

    return PARTNER_SOURCE_CHOICES[0][0]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    post_only: bool = False
    webhook: bool = False
    # What an unsigned / keyless POST to a webhook or API gets.
    refused_status: int = 403
    admin: bool = False
    # An API read: GET without a key 401, POST 405, for everyone.
    api_get: bool = False
    post_data: dict = field(default_factory=dict)
    # Allowed users for whom the object is not theirs (or who have no volunteer record): 404.
    not_theirs: frozenset[str] = frozenset()


def rule(*users: str, post_only: bool = False, post_data: dict | None = None, not_theirs=()) -> Rule:
    return Rule(
        allowed=frozenset(users),
        post_only=post_only,
        post_data=post_data or {},
        not_theirs=frozenset(not_theirs),
    )


PUBLIC = rule(*USERS)
PUBLIC_POST = rule(*USERS, post_only=True)
SIGNED_IN_ONLY = rule(*SIGNED_IN)
VOLUNTEERS = rule(VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR)
VOLUNTEERS_POST = rule(VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR, post_only=True)
RESPONDERS = rule(RESPONDER, COORDINATOR)
DISPATCHERS = rule(DISPATCHER, COORDINATOR)
DISPATCHERS_POST = rule(DISPATCHER, COORDINATOR, post_only=True)
COORDINATORS = rule(COORDINATOR)
COORDINATORS_POST = rule(COORDINATOR, post_only=True)
WEBHOOK = Rule(allowed=frozenset(), webhook=True)
# Partner API: an API key, not a session, is the credential.
API_KEY = Rule(allowed=frozenset(), webhook=True, refused_status=401)
API_KEY_GET = Rule(allowed=frozenset(), api_get=True)
# Django's admin: staff only (demo and real coordinators are staff; nobody else is).
ADMIN = Rule(allowed=frozenset({COORDINATOR}), admin=True)
# A script's JSON endpoint: GET 405, POST refused with 403 JSON (no login redirect) for everyone.
SOFTPHONE_JSON = Rule(allowed=frozenset(), webhook=True)

RULES: dict[str, Rule] = {
    "home": PUBLIC,
    "favicon": PUBLIC,
    # django.contrib.auth
    "login": PUBLIC,
    "logout": PUBLIC_POST,
    "password_change": SIGNED_IN_ONLY,
    "password_change_done": SIGNED_IN_ONLY,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "set_language": PUBLIC,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC_POST,
    # volunteers
    "volunteers:signup": PUBLIC,
    "volunteers:signup_done": PUBLIC,
    "volunteers:calendar_feed": PUBLIC,
    "volunteers:my_shifts": VOLUNTEERS,
    "volunteers:open_shifts": VOLUNTEERS,
    "volunteers:shift_sign_up": VOLUNTEERS_POST,
    # The assignment is the volunteer's: anyone else's cancel is "not found".
    "volunteers:assignment_cancel": rule(
        VOLUNTEER,
        RESPONDER,
        DISPATCHER,
        COORDINATOR,
        post_only=True,
        not_theirs=(RESPONDER, DISPATCHER, COORDINATOR),
    ),
    # The matrix's coordinator has no volunteer record of their own.
    "volunteers:calendar_reset": rule(
        VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR, post_only=True, not_theirs=(COORDINATOR,)
    ),
    "volunteers:my_training": VOLUNTEERS,
    "volunteers:training_session_register": rule(
        VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR, post_only=True, not_theirs=(COORDINATOR,)
    ),
    "volunteers:my_profile": VOLUNTEERS,
    "volunteers:my_onboarding": VOLUNTEERS,
    "volunteers:shadow_shift_sign": rule(
        VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR, post_only=True, not_theirs=(COORDINATOR,)
    ),
    "volunteers:community_agreements": PUBLIC,
    "volunteers:community_agreements_accept": rule(
        VOLUNTEER, RESPONDER, DISPATCHER, COORDINATOR, post_only=True, not_theirs=(COORDINATOR,)
    ),
    "volunteers:community_agreements_publish": COORDINATORS,
    "volunteers:onboarding_review": COORDINATORS,
    "volunteers:onboarding_record_add": COORDINATORS_POST,
    "volunteers:module_detail": VOLUNTEERS,
    "volunteers:quiz_take": VOLUNTEERS,
    "volunteers:lesson_material": VOLUNTEERS,
    "volunteers:competency_sign_off": COORDINATORS_POST,
    "volunteers:quiz_attempts_reset": COORDINATORS_POST,
    "volunteers:two_factor_setup": SIGNED_IN_ONLY,
    "volunteers:two_factor_verify": SIGNED_IN_ONLY,
    "volunteers:volunteer_list": COORDINATORS,
    "volunteers:review_queue": COORDINATORS,
    "volunteers:volunteer_detail": COORDINATORS,
    "volunteers:volunteer_approve": COORDINATORS_POST,
    "volunteers:volunteer_reject": COORDINATORS_POST,
    "volunteers:volunteer_deactivate": COORDINATORS_POST,
    "volunteers:volunteer_reactivate": COORDINATORS_POST,
    "volunteers:volunteer_invite_again": COORDINATORS_POST,
    "volunteers:volunteer_note_add": COORDINATORS_POST,
    "volunteers:volunteer_completion_add": COORDINATORS_POST,
    "volunteers:training_overview": COORDINATORS,
    "volunteers:module_create": COORDINATORS,
    "volunteers:module_edit": COORDINATORS,
    "volunteers:session_create": COORDINATORS,
    "volunteers:training_session_detail": COORDINATORS,
    "volunteers:shift_list": COORDINATORS,
    "volunteers:shift_create": COORDINATORS,
    "volunteers:shift_detail": COORDINATORS,
    "volunteers:shift_assign": COORDINATORS_POST,
    "volunteers:assignment_update": COORDINATORS_POST,
    "volunteers:coverage": COORDINATORS,
    # hotline
    **{
        f"hotline:{name}": WEBHOOK
        for name in (
            "voice_incoming",
            "voice_language",
            "voice_screen",
            "voice_dial_status",
            "voice_voicemail",
            "voice_status",
            "voice_recording",
            "voice_callback",
            "voice_evidence",
            "sms_incoming",
            "sms_status",
            "voice_conference_status",
            "voice_transfer_status",
            "voice_hold",
            "voice_return",
            "voice_return_screen",
            "voice_return_status",
        )
    },
    "hotline:call_list": DISPATCHERS,
    "hotline:call_recording": DISPATCHERS,
    "hotline:intake_detail": DISPATCHERS,
    "hotline:intake_reply": DISPATCHERS_POST,
    "hotline:intake_callback": DISPATCHERS_POST,
    "hotline:call_transfer": DISPATCHERS_POST,
    "hotline:call_hold": DISPATCHERS_POST,
    "hotline:call_leave": DISPATCHERS_POST,
    "hotline:call_listen": COORDINATORS_POST,
    "hotline:handoff_keys": COORDINATORS,
    "hotline:handoff_partner_create": COORDINATORS_POST,
    "hotline:handoff_key_issue": COORDINATORS_POST,
    "hotline:handoff_key_revoke": COORDINATORS_POST,
    "hotline:handoff_webhooks": COORDINATORS,
    "hotline:handoff_webhook_configure": COORDINATORS_POST,
    "hotline:handoff_webhook_secret_rotate": COORDINATORS_POST,
    "hotline:handoff_webhook_event_resend": COORDINATORS_POST,
    # The softphone's JSON endpoints: POST only, 403 JSON for anyone not on shift with the
    # softphone configured and opted in (nobody here; tests/browser and hotline/tests cover them).
    "hotline:softphone_token": SOFTPHONE_JSON,
    "hotline:softphone_presence": SOFTPHONE_JSON,
    # The matrix's coordinator has no volunteer record to opt in.
    "hotline:softphone_opt_in": rule(DISPATCHER, COORDINATOR, post_only=True, not_theirs=(COORDINATOR,)),
    # Partner hand-off API (/api/v1/)
    "api:handoff_create": API_KEY,
    "api:handoff_detail": API_KEY_GET,
    "api:openapi": PUBLIC,
    "api_referral_status": API_KEY,
    # outreach
    "outreach:summary": COORDINATORS,
    "outreach:partner_list": DISPATCHERS,
    "outreach:partner_create": COORDINATORS,
    "outreach:partner_detail": DISPATCHERS,
    "outreach:partner_edit": COORDINATORS,
    "outreach:partner_verify": COORDINATORS_POST,
    "outreach:partnership_map": COORDINATORS,
    "outreach:partner_relationship": COORDINATORS,
    "outreach:partner_stage_set": COORDINATORS_POST,
    "outreach:partner_agreement_add": COORDINATORS_POST,
    "outreach:partner_contact_add": COORDINATORS_POST,
    # The signed PDF: coordinators only, every download audited.
    "outreach:agreement_document": COORDINATORS,
    "outreach:survey_list": COORDINATORS,
    "outreach:survey_create": COORDINATORS,
    "outreach:survey_detail": COORDINATORS,
    "outreach:survey_edit": COORDINATORS,
    "outreach:question_create": COORDINATORS,
    "outreach:question_edit": COORDINATORS,
    "outreach:question_delete": COORDINATORS_POST,
    "outreach:question_move": COORDINATORS_POST,
    "outreach:survey_results": COORDINATORS,
    "outreach:survey_export": COORDINATORS,
    "outreach:survey_respond": PUBLIC,
    "outreach:survey_thanks": PUBLIC,
    "outreach:focus_group_list": COORDINATORS,
    "outreach:focus_group_create": COORDINATORS,
    "outreach:focus_group_detail": COORDINATORS,
    "outreach:focus_group_edit": COORDINATORS,
    "outreach:event_list": COORDINATORS,
    "outreach:event_create": COORDINATORS,
    "outreach:event_detail": COORDINATORS,
    "outreach:event_edit": COORDINATORS,
    "outreach:lead_list": COORDINATORS,
    "outreach:lead_create": COORDINATORS,
    "outreach:lead_detail": COORDINATORS,
    "outreach:lead_edit": COORDINATORS,
    # dispatch
    "dispatch:console": DISPATCHERS,
    "dispatch:queue": DISPATCHERS,
    "dispatch:history": DISPATCHERS,
    "dispatch:intake": DISPATCHERS,
    "dispatch:intake_claim": DISPATCHERS_POST,
    "dispatch:intake_release": DISPATCHERS_POST,
    "dispatch:intake_hand_over": DISPATCHERS_POST,
    "dispatch:intake_recommendation": DISPATCHERS_POST,
    "dispatch:intake_candidates": DISPATCHERS,
    "dispatch:intake_decide": DISPATCHERS_POST,
    # A repeat caller's case view (every view audited), linking contacts to one person, and the
    # optional questions at close: dispatchers and coordinators only.
    "dispatch:case": DISPATCHERS,
    "dispatch:intake_link_person": DISPATCHERS_POST,
    "dispatch:intake_evidence": DISPATCHERS_POST,
    "dispatch:partners": DISPATCHERS,
    # Follow-ups: dispatchers and coordinators only (they show the person's number).
    "dispatch:follow_ups": DISPATCHERS,
    "dispatch:follow_up": DISPATCHERS,
    "dispatch:follow_up_claim": DISPATCHERS_POST,
    "dispatch:follow_up_release": DISPATCHERS_POST,
    "dispatch:follow_up_call": DISPATCHERS_POST,
    "dispatch:follow_up_text": DISPATCHERS_POST,
    "dispatch:follow_up_result": DISPATCHERS_POST,
    "dispatch:incident": DISPATCHERS,
    "dispatch:incident_live": DISPATCHERS,
    "dispatch:incident_status": DISPATCHERS_POST,
    "dispatch:incident_note": DISPATCHERS_POST,
    "dispatch:incident_outcome": DISPATCHERS_POST,
    "dispatch:incident_close": DISPATCHERS_POST,
    "dispatch:incident_cancel": DISPATCHERS_POST,
    "dispatch:incident_notify_more": DISPATCHERS_POST,
    "dispatch:notification_resend": DISPATCHERS_POST,
    # Alarms and the acts on an incident without a full team: dispatchers and coordinators only
    # (a responder reaches check-in and backup through responder_action, by their signed link).
    "dispatch:incident_hand_pick": DISPATCHERS_POST,
    "dispatch:incident_renotify": DISPATCHERS_POST,
    "dispatch:incident_widen": DISPATCHERS_POST,
    "dispatch:incident_change_decision": DISPATCHERS_POST,
    "dispatch:alarm_acknowledge": DISPATCHERS_POST,
    "dispatch:alarm_resolve": DISPATCHERS_POST,
    # The TwiML of the call to the on-call coordinator: Twilio's signed request only.
    "dispatch:alarm_voice": WEBHOOK,
    # The signed link in a responder's text is their credential: no login.
    "dispatch:responder": PUBLIC,
    # The partner's referral link: the signed token is the credential.
    "dispatch:referral_confirm": PUBLIC,
    "dispatch:referral_api": COORDINATORS,
    "dispatch:referral_api_link": COORDINATORS_POST,
    "dispatch:referral_api_unlink": COORDINATORS_POST,
    "dispatch:responder_action": rule(*USERS, post_only=True, post_data={"action": "decline"}),
    # The responder's phone location, by the signed link only (sharing needs a team member;
    # stopping, which forgets it, works for the link's holder).
    "dispatch:responder_location": rule(*USERS, post_only=True, post_data={"stop": "1"}),
    "dispatch:my_incidents": RESPONDERS,
    # A debrief is the closed incident's team member's: the matrix's incident is open, so every
    # responder (and the coordinator, without a volunteer record) finds nothing to debrief.
    "dispatch:debrief": rule(RESPONDER, COORDINATOR, not_theirs=(RESPONDER, COORDINATOR)),
    "dispatch:incident_flag_critical": DISPATCHERS_POST,
    "dispatch:wellbeing": COORDINATORS,
    "dispatch:check_in_done": COORDINATORS_POST,
    # Records a contact as the signed-in responder: needs their own volunteer record, which the
    # matrix's coordinator has not (403).
    "dispatch:field_contact": rule(RESPONDER),
    "dispatch:protocol": DISPATCHERS,
    "dispatch:protocol_edit": COORDINATORS,
    "dispatch:protocol_version": DISPATCHERS,
    # assessment
    "assessment:dashboard": COORDINATORS,
    "audit:entries": COORDINATORS,
    "assessment:pilot_settings": COORDINATORS,
    "assessment:pilot_police_time": COORDINATORS,
    "assessment:pilot_export": COORDINATORS,
    "assessment:cfs_index": COORDINATORS,
    "assessment:cfs_upload": COORDINATORS,
    "assessment:cfs_job": COORDINATORS,
    "assessment:cfs_job_progress": COORDINATORS,
    "assessment:cfs_analysis": COORDINATORS,
    "assessment:cfs_compare": COORDINATORS,
    "assessment:cfs_compare_export": COORDINATORS,
    "assessment:cfs_dataset_delete": COORDINATORS_POST,
    "assessment:cfs_pilot_area": COORDINATORS_POST,
    "assessment:cfs_boundary_upload": COORDINATORS_POST,
    "assessment:cfs_boundary_count": COORDINATORS,
    "assessment:cfs_boundary_count_retry": COORDINATORS_POST,
    "assessment:cfs_map_count_retry": COORDINATORS_POST,
    "assessment:cfs_call_types": COORDINATORS,
    "assessment:cfs_call_types_accept": COORDINATORS_POST,
    "assessment:cfs_column_mapping": COORDINATORS,
    "assessment:cfs_call_type_update": COORDINATORS_POST,
    "assessment:readiness": COORDINATORS,
    "assessment:readiness_test_call": COORDINATORS_POST,
    "assessment:readiness_protocol_approve": COORDINATORS_POST,
    "assessment:roadmap": COORDINATORS,
    "assessment:roadmap_phase_edit": COORDINATORS,
    "assessment:roadmap_milestone_create": COORDINATORS,
    "assessment:roadmap_milestone_edit": COORDINATORS,
    "assessment:lessons": COORDINATORS,
    "assessment:lessons_review": COORDINATORS,
    "assessment:lessons_finding_add": COORDINATORS_POST,
    "assessment:lessons_decide": COORDINATORS_POST,
    "assessment:steering": COORDINATORS,
    "assessment:steering_meeting_create": COORDINATORS,
    "assessment:steering_meeting": COORDINATORS,
    "assessment:steering_meeting_edit": COORDINATORS,
    "assessment:steering_decision_add": COORDINATORS_POST,
    "assessment:steering_action_add": COORDINATORS_POST,
    "assessment:steering_action_done": COORDINATORS_POST,
}

# Known access bugs, reported in /tmp/contract/qa_findings.md: name -> reason.
KNOWN_BUGS: dict[str, str] = {}


def _walk(patterns, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, inner)
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def url_names() -> list[str]:
    """Every named URL of the project (unnamed ones are static/media files in DEBUG only)."""
    return sorted({name for name, _pattern in _walk(get_resolver().url_patterns)})


def rule_for(name: str) -> Rule | None:
    if name in RULES:
        return RULES[name]
    return ADMIN if name.startswith("admin:") else None


class Objects:
    """Real objects for URL parameters, made on first use."""

    def __init__(self, users):
        self.users = users

    @cached_property
    def volunteer(self):
        return self.users[VOLUNTEER].volunteer

    @cached_property
    def shift(self):
        from volunteers.tests.factories import ShiftFactory

        return ShiftFactory()

    @cached_property
    def assignment(self):
        from volunteers.tests.factories import ShiftAssignmentFactory

        return ShiftAssignmentFactory(volunteer=self.volunteer)

    @cached_property
    def training_module(self):
        from volunteers.tests.factories import TrainingModuleFactory

        return TrainingModuleFactory()

    @cached_property
    def quiz_module(self):
        from volunteers.tests.factories import TrainingModuleFactory, make_quiz

        module = TrainingModuleFactory(requires_sign_off=True)
        make_quiz(module)
        return module

    @cached_property
    def lesson_material(self):
        from django.core.files.base import ContentFile

        from volunteers.models import Lesson, LessonMaterial

        lesson = Lesson.objects.create(module=self.training_module, title="Matrix lesson")
        material = LessonMaterial(lesson=lesson, name="Handout")
        material.file.save("handout.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
        return material

    @cached_property
    def training_session(self):
        from volunteers.tests.factories import TrainingSessionFactory

        return TrainingSessionFactory()

    @cached_property
    def call(self):
        from hotline.tests.factories import CallFactory

        return CallFactory(recording_url="https://api.twilio.com/recordings/RE0", recording_sid="RE0")

    @cached_property
    def intake(self):
        from hotline.tests.factories import IntakeFactory

        return IntakeFactory()

    @cached_property
    def handoff_partner(self):
        from hotline.models import HandoffPartner

        return HandoffPartner.objects.create(name="Matrix partner", source=_handoff_source())

    @cached_property
    def handoff_key(self):
        from hotline.models import HandoffApiKey

        return HandoffApiKey.objects.create(
            partner=self.handoff_partner, prefix="matrix01", key_hash="0" * 64
        )

    @cached_property
    def partner(self):
        from outreach.tests.factories import PartnerFactory

        return PartnerFactory()

    @cached_property
    def handoff_webhook_event(self):
        import uuid

        from hotline.models import Handoff, HandoffWebhookEvent
        from hotline.tests.factories import IntakeFactory

        handoff = Handoff.objects.create(
            partner=self.handoff_partner, reference="MATRIX-1", intake=IntakeFactory(), call_type="x"
        )
        return HandoffWebhookEvent.objects.create(
            event_id=uuid.uuid4(), partner=self.handoff_partner, handoff=handoff, data={}, status="failed"
        )

    @cached_property
    def referral_api_link(self):
        from dispatch.models import ReferralApiPartner

        return ReferralApiPartner.objects.create(handoff_partner=self.handoff_partner, partner=self.partner)

    @cached_property
    def partner_agreement(self):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from outreach.services import partner_agreement_add

        return partner_agreement_add(
            partner=self.partner,
            kind="mou",
            signed_on=timezone.localdate(),
            starts_on=timezone.localdate(),
            document=SimpleUploadedFile("mou.pdf", b"%PDF-1.4 matrix"),
            by=self.users[COORDINATOR],
        )

    @cached_property
    def survey(self):
        from outreach.tests.factories import SurveyFactory

        return SurveyFactory()

    @cached_property
    def question(self):
        from outreach.tests.factories import QuestionFactory

        return QuestionFactory(survey=self.survey)

    @cached_property
    def focus_group(self):
        from outreach.tests.factories import FocusGroupFactory

        return FocusGroupFactory()

    @cached_property
    def event(self):
        from outreach.tests.factories import EventFactory

        return EventFactory()

    @cached_property
    def lead(self):
        from outreach.tests.factories import LeadFactory

        return LeadFactory()

    @cached_property
    def incident(self):
        from dispatch.tests.factories import send_responders

        triage = send_responders(user=self.users[DISPATCHER], responders=[self.users[RESPONDER].volunteer])
        return triage.incident

    @cached_property
    def check_in(self):
        from datetime import timedelta

        from django.utils import timezone

        from dispatch.models import WellbeingCheckIn

        return WellbeingCheckIn.objects.create(
            incident=self.incident,
            volunteer=self.users[RESPONDER].volunteer,
            reason=WellbeingCheckIn.Reason.CRITICAL_INCIDENT,
            due_at=timezone.now() + timedelta(hours=48),
        )

    @cached_property
    def follow_up(self):
        from dispatch.models import Decision
        from dispatch.services import triage_claim, triage_decide
        from dispatch.tests.factories import SEND_ANSWERS
        from hotline.tests.factories import IntakeFactory

        user = self.users[DISPATCHER]
        triage = triage_claim(intake=IntakeFactory(), user=user)
        triage_decide(
            triage=triage,
            user=user,
            raw_answers=SEND_ANSWERS,
            decision=Decision.PHONE_SUPPORT,
            override_reason="matrix",
            follow_up_what="matrix",
        )
        return triage.follow_ups.first()

    @cached_property
    def referral_token(self):
        from dispatch.models import Referral
        from dispatch.services import referral_token

        referral = Referral.objects.create(triage=self.follow_up.triage, partner=self.partner)
        return referral_token(referral=referral)

    @cached_property
    def notification(self):
        return self.incident.notifications.first()

    @cached_property
    def alarm(self):
        from dispatch.models import Alarm
        from dispatch.services import alarm_raise

        return alarm_raise(incident=self.incident, kind=Alarm.Kind.DEADLINE_PASSED, details="matrix")[0]

    @cached_property
    def responder_token(self):
        from dispatch import selectors

        return selectors.responder_token(incident=self.incident, volunteer=self.users[RESPONDER].volunteer)

    @cached_property
    def city(self):
        from assessment.tests.factories import CfsCityFactory

        return CfsCityFactory()

    @cached_property
    def call_type(self):
        from assessment.tests.factories import CfsCallTypeFactory

        return CfsCallTypeFactory(city=self.city)

    @cached_property
    def dataset(self):
        from assessment.models import CfsDataset

        return CfsDataset.objects.create(city=self.city, name="Matrix", timezone="America/Chicago")

    @cached_property
    def boundary(self):
        from assessment.map_models import CfsBoundary

        square = [[[-88.0, 43.0], [-87.9, 43.0], [-87.9, 43.1], [-88.0, 43.0]]]
        return CfsBoundary.objects.create(dataset=self.dataset, name="Matrix", polygons=[square], vertices=4)

    @cached_property
    def roadmap_phase(self):
        from assessment.models import RoadmapPhase

        return RoadmapPhase.objects.first() or RoadmapPhase.objects.create(kind=RoadmapPhase.Kind.values[0])

    @cached_property
    def roadmap_milestone(self):
        from assessment.models import RoadmapMilestone

        return RoadmapMilestone.objects.create(phase=self.roadmap_phase, title="Matrix milestone")

    @cached_property
    def lessons_review(self):
        import datetime

        from assessment.models import LessonsReview

        return LessonsReview.objects.create(
            title="Matrix review", first_day=datetime.date(2026, 1, 1), last_day=datetime.date(2026, 3, 31)
        )

    @cached_property
    def steering_meeting(self):
        import datetime

        from assessment.models import SteeringMeeting

        return SteeringMeeting.objects.create(held_on=datetime.date(2026, 2, 1), title="Matrix meeting")

    @cached_property
    def action_item(self):
        import datetime

        from assessment.models import ActionItem, SteeringMember

        owner = SteeringMember.objects.create(name="Matrix member", term_starts=datetime.date(2026, 1, 1))
        return ActionItem.objects.create(
            meeting=self.steering_meeting,
            description="Matrix action",
            owner=owner,
            due_on=datetime.date(2026, 3, 1),
        )

    @cached_property
    def totp_device(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.create(user=self.users[DISPATCHER], name="authenticator")

    @cached_property
    def import_job(self):
        from assessment.models import CfsImportJob

        return CfsImportJob.objects.create(
            upload_path="/nonexistent.csv", original_name="x.csv", dataset_name="X", city_name=self.city.name
        )


def _pk(attribute: str):
    return lambda objects: {"pk": getattr(objects, attribute).pk}


def _question(objects):
    return {"survey_pk": objects.survey.pk, "pk": objects.question.pk}


KWARGS = {
    "password_reset_confirm": lambda objects: {"uidb64": "MQ", "token": "set-password"},
    "volunteers:calendar_feed": lambda objects: {"token": objects.volunteer.calendar_token},
    "volunteers:shift_sign_up": _pk("shift"),
    "volunteers:assignment_cancel": _pk("assignment"),
    "volunteers:training_session_register": _pk("training_session"),
    **{
        f"volunteers:{name}": _pk("volunteer")
        for name in (
            "volunteer_detail",
            "volunteer_approve",
            "volunteer_reject",
            "volunteer_deactivate",
            "volunteer_reactivate",
            "volunteer_invite_again",
            "volunteer_note_add",
            "volunteer_completion_add",
            "competency_sign_off",
            "quiz_attempts_reset",
            "onboarding_record_add",
        )
    },
    "volunteers:module_detail": _pk("training_module"),
    "volunteers:quiz_take": _pk("quiz_module"),
    "volunteers:lesson_material": _pk("lesson_material"),
    "volunteers:module_edit": _pk("training_module"),
    "volunteers:training_session_detail": _pk("training_session"),
    "volunteers:shift_detail": _pk("shift"),
    "volunteers:shift_assign": _pk("shift"),
    "volunteers:assignment_update": _pk("assignment"),
    "hotline:call_recording": _pk("call"),
    "hotline:intake_detail": _pk("intake"),
    "hotline:intake_reply": _pk("intake"),
    "hotline:intake_callback": _pk("intake"),
    "hotline:call_transfer": _pk("intake"),
    "hotline:call_hold": _pk("intake"),
    "hotline:call_leave": _pk("intake"),
    "hotline:call_listen": _pk("intake"),
    "hotline:handoff_key_issue": _pk("handoff_partner"),
    "hotline:handoff_webhooks": _pk("handoff_partner"),
    "hotline:handoff_webhook_configure": _pk("handoff_partner"),
    "hotline:handoff_webhook_secret_rotate": _pk("handoff_partner"),
    "hotline:handoff_webhook_event_resend": _pk("handoff_webhook_event"),
    "api_referral_status": lambda objects: {"pk": "1"},
    "dispatch:referral_api_unlink": _pk("referral_api_link"),
    "api:handoff_detail": lambda objects: {"pk": 1},
    "hotline:handoff_key_revoke": _pk("handoff_key"),
    "outreach:partner_detail": _pk("partner"),
    "outreach:partner_edit": _pk("partner"),
    "outreach:partner_verify": _pk("partner"),
    "outreach:partner_relationship": _pk("partner"),
    "outreach:partner_stage_set": _pk("partner"),
    "outreach:partner_agreement_add": _pk("partner"),
    "outreach:partner_contact_add": _pk("partner"),
    "outreach:agreement_document": _pk("partner_agreement"),
    "outreach:survey_detail": _pk("survey"),
    "outreach:survey_edit": _pk("survey"),
    "outreach:survey_results": _pk("survey"),
    "outreach:survey_export": _pk("survey"),
    "outreach:question_create": lambda objects: {"survey_pk": objects.survey.pk},
    "outreach:question_edit": _question,
    "outreach:question_delete": _question,
    "outreach:question_move": _question,
    "outreach:survey_respond": lambda objects: {"slug": objects.survey.slug},
    "outreach:survey_thanks": lambda objects: {"slug": objects.survey.slug},
    "outreach:focus_group_detail": _pk("focus_group"),
    "outreach:focus_group_edit": _pk("focus_group"),
    "outreach:event_detail": _pk("event"),
    "outreach:event_edit": _pk("event"),
    "outreach:lead_detail": _pk("lead"),
    "outreach:lead_edit": _pk("lead"),
    **{
        f"dispatch:{name}": _pk("intake")
        for name in (
            "intake",
            "intake_claim",
            "intake_release",
            "intake_hand_over",
            "intake_recommendation",
            "intake_candidates",
            "intake_decide",
            "case",
            "intake_link_person",
            "intake_evidence",
        )
    },
    **{
        f"dispatch:{name}": _pk("incident")
        for name in (
            "incident",
            "incident_live",
            "incident_status",
            "incident_note",
            "incident_outcome",
            "incident_close",
            "incident_cancel",
            "incident_notify_more",
            "incident_hand_pick",
            "incident_renotify",
            "incident_widen",
            "incident_change_decision",
        )
    },
    **{f"dispatch:{name}": _pk("alarm") for name in ("alarm_acknowledge", "alarm_resolve", "alarm_voice")},
    "dispatch:notification_resend": _pk("notification"),
    "dispatch:debrief": _pk("incident"),
    "dispatch:incident_flag_critical": _pk("incident"),
    "dispatch:check_in_done": _pk("check_in"),
    **{
        f"dispatch:{name}": _pk("follow_up")
        for name in (
            "follow_up",
            "follow_up_claim",
            "follow_up_release",
            "follow_up_call",
            "follow_up_text",
            "follow_up_result",
        )
    },
    "dispatch:responder": lambda objects: {"token": objects.responder_token},
    "dispatch:referral_confirm": lambda objects: {"token": objects.referral_token},
    "dispatch:responder_action": lambda objects: {"token": objects.responder_token},
    "dispatch:responder_location": lambda objects: {"token": objects.responder_token},
    "dispatch:protocol_version": lambda objects: {"number": 1},
    "assessment:pilot_export": lambda objects: {"table": "summary"},
    "assessment:cfs_job": _pk("import_job"),
    "assessment:cfs_job_progress": _pk("import_job"),
    "assessment:cfs_analysis": _pk("dataset"),
    "assessment:cfs_dataset_delete": _pk("dataset"),
    "assessment:cfs_pilot_area": _pk("dataset"),
    "assessment:cfs_boundary_upload": _pk("dataset"),
    "assessment:cfs_boundary_count": _pk("boundary"),
    "assessment:cfs_boundary_count_retry": _pk("boundary"),
    "assessment:cfs_map_count_retry": _pk("dataset"),
    "assessment:cfs_call_types": _pk("city"),
    "assessment:cfs_call_types_accept": _pk("city"),
    "assessment:cfs_column_mapping": _pk("city"),
    "assessment:cfs_call_type_update": _pk("call_type"),
    "assessment:roadmap_phase_edit": _pk("roadmap_phase"),
    "assessment:roadmap_milestone_create": lambda objects: {"phase_pk": objects.roadmap_phase.pk},
    "assessment:roadmap_milestone_edit": lambda objects: {
        "phase_pk": objects.roadmap_phase.pk,
        "pk": objects.roadmap_milestone.pk,
    },
    "assessment:lessons_review": _pk("lessons_review"),
    "assessment:lessons_finding_add": _pk("lessons_review"),
    "assessment:lessons_decide": _pk("lessons_review"),
    "assessment:steering_meeting": _pk("steering_meeting"),
    "assessment:steering_meeting_edit": _pk("steering_meeting"),
    "assessment:steering_decision_add": _pk("steering_meeting"),
    "assessment:steering_action_add": _pk("steering_meeting"),
    "assessment:steering_action_done": _pk("action_item"),
    # django-otp's admin pages load the device before any permission check.
    "admin:otp_totp_totpdevice_config": _pk("totp_device"),
    "admin:otp_totp_totpdevice_qrcode": _pk("totp_device"),
}

# Admin URLs: the staff check runs before any lookup, so placeholder values suffice.
ADMIN_PLACEHOLDERS = {"object_id": "1", "app_label": "auth", "content_type_id": 1, "id": 1, "pk": 1}


def build_url(name: str, objects: Objects) -> str:
    pattern = dict(_walk(get_resolver().url_patterns))[name]
    if name in KWARGS:
        return reverse(name, kwargs=KWARGS[name](objects))
    params = set(pattern.pattern.regex.groupindex)
    if name.startswith("admin:"):
        return reverse(name, kwargs={key: ADMIN_PLACEHOLDERS[key] for key in params})
    assert not params, f"{name} takes {sorted(params)}: add a builder to KWARGS"
    return reverse(name)


@pytest.fixture
def users(db, settings):
    from volunteers.tests.factories import UserFactory, VolunteerFactory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {
        ANONYMOUS: None,
        VOLUNTEER: VolunteerFactory(user__username="m-vol", user__roles=("Volunteer",)).user,
        RESPONDER: VolunteerFactory(user__username="m-resp", user__roles=("Volunteer", "Responder")).user,
        DISPATCHER: VolunteerFactory(user__username="m-disp", user__roles=("Volunteer", "Dispatcher")).user,
        COORDINATOR: UserFactory(username="m-coord", roles=("Coordinator",), is_staff=True),
    }


@pytest.fixture(autouse=True)
def _quiet_boundaries(settings):
    settings.SMS_BACKEND = "memory"
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.conftest.record_sms"
    settings.OUTREACH_SURVEY_MIN_SECONDS = 0
    settings.OUTREACH_SURVEY_RATE_LIMIT = 10_000
    settings.TWILIO_AUTH_TOKEN = "12345678901234567890123456789012"
    settings.HOTLINE_VERIFY_SIGNATURES = True


class _FakeRecording:
    """Twilio's media server, at the boundary: the recording view streams what it answers."""

    status_code = 200
    headers = {"Content-Type": "audio/mpeg", "Content-Length": "3"}

    def raise_for_status(self):
        return None

    def iter_content(self, chunk_size):
        return iter([b"ID3"])

    def close(self):
        return None


@pytest.fixture(autouse=True)
def _no_twilio_media(monkeypatch):
    import hotline.views

    monkeypatch.setattr(hotline.views.requests, "get", lambda *args, **kwargs: _FakeRecording())


def _is_login_redirect(response, login_path: str) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == login_path


def _allowed(response, login_path: str) -> bool:
    if response.status_code in (200, 204, 400):
        return True
    return response.status_code == 302 and not _is_login_redirect(response, login_path)


def check(client, name: str, rule: Rule, user_kind: str, user, url: str) -> str | None:
    """None when the answer matches the rule, else a description of the mismatch."""
    client.logout()
    if user is not None:
        client.force_login(user)
    login_path = reverse("admin:login") if rule.admin else reverse("login")
    get = client.get(url)
    if rule.api_get:
        post = client.post(url, {})
        if get.status_code != 401 or post.status_code != 405:
            return f"keyless GET {get.status_code} (want 401), POST {post.status_code} (want 405)"
        return None
    if rule.webhook:
        post = client.post(url, {"CallSid": "CA0", "From": "+12025550199"})
        if get.status_code != 405 or post.status_code != rule.refused_status:
            return (
                f"GET {get.status_code} (want 405), "
                f"unsigned POST {post.status_code} (want {rule.refused_status})"
            )
        return None
    allowed = user_kind in rule.allowed
    if rule.post_only:
        if get.status_code == 200:
            return "a POST-only view answered GET with 200"
        response = client.post(url, rule.post_data)
    else:
        response = get
    status = response.status_code
    detail = f"{'POST' if rule.post_only else 'GET'} {status} {response.get('Location', '')}".strip()
    if status >= 500:
        return detail
    if allowed and user_kind in rule.not_theirs:
        return None if status == 404 else f"want 404 (not theirs), got {detail}"
    if allowed:
        if rule.admin:
            # Staff pass the admin's login check; model permissions may say 403, a placeholder 404.
            return (
                None
                if status in (200, 302, 403, 404) and not _is_login_redirect(response, login_path)
                else detail
            )
        return None if _allowed(response, login_path) else f"allowed but {detail}"
    if user_kind == ANONYMOUS or rule.admin:
        return None if _is_login_redirect(response, login_path) else f"want login redirect, got {detail}"
    return None if status == 403 else f"want 403, got {detail}"


def test_every_url_has_a_rule():
    missing = [name for name in url_names() if rule_for(name) is None]
    assert not missing, f"URLs without an access rule (add them to RULES): {missing}"


def test_rules_name_existing_urls():
    stale = sorted(set(RULES) - set(url_names()))
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def _params():
    for name in url_names():
        marks = []
        if name in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name]))
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(_params()))
def test_access(client, users, name):
    rule = rule_for(name)
    assert rule is not None, f"{name} has no access rule"
    url = build_url(name, Objects(users))
    problems = {}
    for user_kind in USERS:
        problem = check(client, name, rule, user_kind, users[user_kind], url)
        if problem:
            problems[user_kind] = problem
    assert not problems, f"{url}: {problems}"


# --- object-level denial: a volunteer's own things only ---------------------------------------


@pytest.mark.django_db
def test_volunteer_cannot_cancel_someone_elses_assignment(client, users):
    from volunteers.models import ShiftAssignment
    from volunteers.tests.factories import ShiftAssignmentFactory, VolunteerFactory

    theirs = ShiftAssignmentFactory(volunteer=VolunteerFactory())
    client.force_login(users[VOLUNTEER])
    response = client.post(reverse("volunteers:assignment_cancel", args=[theirs.pk]))
    assert response.status_code == 404
    assert ShiftAssignment.objects.get(pk=theirs.pk).status == theirs.status


@pytest.mark.django_db
def test_forged_responder_link_is_refused(client, users):
    objects = Objects(users)
    token = objects.responder_token
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (
        reverse("dispatch:responder", args=[forged]),
        reverse("dispatch:responder_action", args=[forged]),
    ):
        response = client.post(url, {"action": "accept"}) if url.endswith("act/") else client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)


@pytest.mark.django_db
def test_calendar_feed_with_a_wrong_token_is_not_found(client, users):
    response = client.get(reverse("volunteers:calendar_feed", args=["not-a-real-token"]))
    assert response.status_code == 404
