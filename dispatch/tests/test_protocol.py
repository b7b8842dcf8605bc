"""The screening protocol: the engine (pure), the seeded default, overrides and versioning."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dispatch import services
from dispatch.models import CallType, Decision, ProtocolVersion, Triage
from dispatch.protocol import (
    DANGER_NEEDS_REASON,
    MISSING_ANSWERS,
    OVERRIDE_NEEDS_REASON,
    Option,
    ProtocolSpec,
    QuestionSpec,
    RuleSpec,
    check_decision,
    clean_answers,
    recommend,
)
from dispatch.selectors import current_protocol, protocol_spec
from dispatch.tests.factories import DANGER_KEYS, SEND_ANSWERS, claimed

TEXT = {"en": "?"}


def spec_for_tests() -> ProtocolSpec:
    return ProtocolSpec(
        version=1,
        questions=(
            QuestionSpec(key="weapon", kind="yes_no", text=TEXT, danger_screen=True),
            QuestionSpec(key="violence", kind="yes_no", text=TEXT, danger_screen=True),
            QuestionSpec(key="consent", kind="yes_no", text=TEXT),
            QuestionSpec(
                key="kind",
                kind="choice",
                text=TEXT,
                options=(Option("noise"), Option("welfare"), Option("info")),
            ),
            QuestionSpec(key="where", kind="location", text=TEXT, required=False),
        ),
        rules=(
            RuleSpec("consent", "equals", "no", "phone_support"),
            RuleSpec("kind", "in", "info, noise", "refer"),
            RuleSpec("consent", "equals", "yes", "send_responders"),
        ),
        default_recommendation="phone_support",
    )


CALM = {"weapon": "no", "violence": "no", "consent": "yes", "kind": "welfare"}


class TestEngine:
    def test_calm_answers_follow_the_first_matching_rule(self):
        result = recommend(spec_for_tests(), CALM)
        assert result.decision == "send_responders"
        assert not result.danger and result.complete

    @pytest.mark.parametrize("key", ["weapon", "violence"])
    def test_every_danger_screen_yes_recommends_escalation(self, key):
        answers = {**CALM, key: "yes"}
        result = recommend(spec_for_tests(), answers)
        assert result.decision == "escalate_911"
        assert result.danger_keys == (key,)

    def test_a_danger_yes_wins_before_anything_else_is_answered(self):
        result = recommend(spec_for_tests(), {"violence": "yes"})
        assert result.decision == "escalate_911"
        assert "consent" in result.missing

    def test_rules_are_checked_top_to_bottom(self):
        assert (
            recommend(spec_for_tests(), {**CALM, "consent": "no", "kind": "info"}).decision == "phone_support"
        )
        assert recommend(spec_for_tests(), {**CALM, "kind": "noise"}).decision == "refer"

    def test_nothing_is_recommended_until_something_matches_or_all_is_answered(self):
        assert recommend(spec_for_tests(), {"weapon": "no"}).decision is None

    def test_default_applies_when_complete_and_no_rule_matches(self):
        spec = spec_for_tests()
        spec = ProtocolSpec(version=1, questions=spec.questions, rules=(), default_recommendation="refer")
        assert recommend(spec, CALM).decision == "refer"

    def test_clean_answers_drops_unknown_keys_and_flags_values_outside_the_list(self):
        answers, errors = clean_answers(
            spec_for_tests(), {"weapon": "maybe", "consent": " yes ", "where": "  Pine St ", "extra": "x"}
        )
        assert answers == {"consent": "yes", "where": "Pine St"}
        assert errors == {"weapon": "invalid_choice"}

    def test_following_the_recommendation_needs_no_reason(self):
        result = recommend(spec_for_tests(), CALM)
        assert check_decision(result, decision="send_responders", override_reason="") == {}

    def test_another_decision_needs_a_written_reason(self):
        result = recommend(spec_for_tests(), CALM)
        assert check_decision(result, decision="phone_support", override_reason="  ") == {
            "override_reason": OVERRIDE_NEEDS_REASON
        }
        assert check_decision(result, decision="phone_support", override_reason="caller calmer now") == {}

    @pytest.mark.parametrize("key", ["weapon", "violence"])
    def test_a_danger_yes_never_sends_responders_without_a_reason(self, key):
        result = recommend(spec_for_tests(), {**CALM, key: "yes"})
        assert check_decision(result, decision="send_responders", override_reason="") == {
            "override_reason": DANGER_NEEDS_REASON
        }
        assert (
            check_decision(
                result, decision="send_responders", override_reason="weapon is locked away, police on scene"
            )
            == {}
        )

    def test_escalating_on_danger_needs_no_other_answer(self):
        result = recommend(spec_for_tests(), {"weapon": "yes"})
        assert check_decision(result, decision="escalate_911", override_reason="") == {}

    def test_other_decisions_need_the_required_answers(self):
        result = recommend(spec_for_tests(), {"weapon": "no", "violence": "no", "consent": "yes"})
        assert result.decision == "send_responders" and result.missing == ("kind",)
        assert check_decision(result, decision="send_responders", override_reason="") == {
            "answers": MISSING_ANSWERS
        }

    def test_no_action_after_a_hang_up_needs_no_answers(self):
        result = recommend(spec_for_tests(), {})
        assert check_decision(result, decision="no_action", override_reason="") == {}


@pytest.mark.django_db
class TestSeededProtocol:
    def test_danger_screens_come_first_and_cover_the_published_practice(self):
        version = current_protocol()
        questions = list(version.questions.all())
        dangers = [q.key for q in questions if q.danger_screen]
        assert dangers == list(DANGER_KEYS)
        assert [q.danger_screen for q in questions[: len(dangers)]] == [True] * len(dangers)
        assert all(q.text_ko and q.text_es for q in questions)

    @pytest.mark.parametrize("key", DANGER_KEYS)
    def test_each_seeded_danger_screen_recommends_911(self, key):
        spec = protocol_spec(current_protocol())
        result = recommend(spec, {**SEND_ANSWERS, key: "yes"})
        assert result.decision == Decision.ESCALATE
        assert result.danger_keys == (key,)

    def test_seeded_rules(self):
        spec = protocol_spec(current_protocol())
        assert recommend(spec, SEND_ANSWERS).decision == Decision.SEND_RESPONDERS
        assert recommend(spec, {**SEND_ANSWERS, "consent": "no"}).decision == Decision.PHONE_SUPPORT
        assert (
            recommend(spec, {**SEND_ANSWERS, "call_type": "resources-information"}).decision == Decision.REFER
        )
        assert recommend(spec, {**SEND_ANSWERS, "consent": "no", "call_type": "syringe-litter"}).decision == (
            Decision.SEND_RESPONDERS
        )

    def test_call_type_taxonomy_is_seeded_in_three_languages(self):
        slugs = set(CallType.objects.values_list("slug", flat=True))
        assert {
            "mental-health",
            "suicidal-thoughts",
            "welfare-check",
            "substance-use",
            "homelessness",
            "neighbor-dispute",
            "noise-quality-of-life",
            "youth",
            "syringe-litter",
            "resources-information",
            "other",
        } <= slugs
        assert not CallType.objects.filter(name_ko="").exists()
        assert not CallType.objects.filter(name_es="").exists()

    def test_call_type_questions_offer_the_active_taxonomy(self):
        CallType.objects.filter(slug="youth").update(is_active=False)
        spec = protocol_spec(current_protocol())
        values = spec.question("call_type").allowed_values()
        assert "welfare-check" in values and "youth" not in values


@pytest.mark.django_db
class TestDecisionRules:
    def test_service_refuses_an_override_without_reason(self, dispatcher):
        triage = claimed(user=dispatcher)
        with pytest.raises(services.DecisionRejected) as error:
            services.triage_decide(
                triage=triage, user=dispatcher, raw_answers=SEND_ANSWERS, decision=Decision.PHONE_SUPPORT
            )
        assert error.value.errors == {"override_reason": OVERRIDE_NEEDS_REASON}
        triage.refresh_from_db()
        assert triage.decision == ""

    def test_override_reason_is_stored(self, dispatcher):
        triage = claimed(user=dispatcher)
        services.triage_decide(
            triage=triage,
            user=dispatcher,
            raw_answers=SEND_ANSWERS,
            decision=Decision.PHONE_SUPPORT,
            override_reason="Caller calmed down and wants to talk only.",
        )
        triage.refresh_from_db()
        assert triage.recommendation == Decision.SEND_RESPONDERS
        assert triage.decision == Decision.PHONE_SUPPORT
        assert triage.override_reason == "Caller calmed down and wants to talk only."
        assert triage.is_override

    @pytest.mark.parametrize("key", DANGER_KEYS)
    def test_danger_yes_never_ends_in_send_responders_without_override_reason(self, dispatcher, key):
        triage = claimed(user=dispatcher)
        with pytest.raises(services.DecisionRejected) as error:
            services.triage_decide(
                triage=triage,
                user=dispatcher,
                raw_answers={**SEND_ANSWERS, key: "yes"},
                decision=Decision.SEND_RESPONDERS,
            )
        assert error.value.errors["override_reason"] == DANGER_NEEDS_REASON
        assert Triage.objects.get(pk=triage.pk).decision == ""

    def test_database_refuses_danger_send_without_reason(self, dispatcher):
        triage = claimed(user=dispatcher)
        Triage.objects.filter(pk=triage.pk).update(
            danger_flagged=True, recommendation=Decision.SEND_RESPONDERS
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            Triage.objects.filter(pk=triage.pk).update(
                decision=Decision.SEND_RESPONDERS, decided_at=timezone.now()
            )

    def test_database_refuses_an_override_without_reason(self, dispatcher):
        triage = claimed(user=dispatcher)
        Triage.objects.filter(pk=triage.pk).update(recommendation=Decision.SEND_RESPONDERS)
        with pytest.raises(IntegrityError), transaction.atomic():
            Triage.objects.filter(pk=triage.pk).update(decision=Decision.NO_ACTION, decided_at=timezone.now())

    def test_escalation_records_the_hand_off(self, dispatcher):
        triage = claimed(user=dispatcher)
        with pytest.raises(services.DecisionRejected):
            services.triage_decide(
                triage=triage, user=dispatcher, raw_answers={"weapon": "yes"}, decision=Decision.ESCALATE
            )
        at = timezone.now()
        services.triage_decide(
            triage=triage,
            user=dispatcher,
            raw_answers={"weapon": "yes"},
            decision=Decision.ESCALATE,
            handoff_to="911",
            handoff_at=at,
        )
        triage.refresh_from_db()
        assert (triage.decision, triage.handoff_to, triage.handoff_at, triage.danger_flagged) == (
            Decision.ESCALATE,
            "911",
            at,
            True,
        )
        assert triage.intake.status == "closed"


def _inputs(version: ProtocolVersion):
    questions = [
        services.QuestionInput(
            key=q.key,
            kind=q.kind,
            required=q.required,
            danger_screen=q.danger_screen,
            text_en=q.text_en,
            text_ko=q.text_ko,
            text_es=q.text_es,
            options=tuple(q.options),
        )
        for q in version.questions.all()
    ]
    rules = [
        services.RuleInput(
            question_key=r.question_key, operator=r.operator, value=r.value, recommendation=r.recommendation
        )
        for r in version.rules.all()
    ]
    return questions, rules


@pytest.mark.django_db
class TestVersioning:
    def test_an_edit_makes_a_new_version_and_triages_keep_theirs(self, dispatcher, coordinator):
        v1 = current_protocol()
        before = claimed(user=dispatcher)
        questions, rules = _inputs(v1)
        # The coordinator decides noise complaints get a referral, not a visit.
        rules.insert(0, services.RuleInput("call_type", "equals", "noise-quality-of-life", "refer"))
        v2 = services.protocol_version_create(
            questions=questions,
            rules=rules,
            default_recommendation="phone_support",
            change_note="noise",
            by=coordinator,
        )
        assert v2.number == v1.number + 1
        assert current_protocol() == v2
        assert v1.rules.count() == len(rules) - 1  # the old version is untouched
        after = claimed(user=dispatcher)
        assert before.protocol == v1 and after.protocol == v2
        noise = {**SEND_ANSWERS, "call_type": "noise-quality-of-life"}
        assert recommend(protocol_spec(before.protocol), noise).decision == Decision.SEND_RESPONDERS
        assert recommend(protocol_spec(after.protocol), noise).decision == Decision.REFER
        # The decision of the older triage is checked against its own version.
        services.triage_decide(
            triage=before, user=dispatcher, raw_answers=noise, decision=Decision.SEND_RESPONDERS
        )
        before.refresh_from_db()
        assert before.protocol == v1 and before.decision == Decision.SEND_RESPONDERS

    def test_danger_screens_cannot_be_removed_or_moved_down(self, coordinator):
        questions, rules = _inputs(current_protocol())
        without = [q for q in questions if not q.danger_screen]
        with pytest.raises(services.DispatchError, match="danger screen"):
            services.protocol_version_create(
                questions=without,
                rules=rules,
                default_recommendation="phone_support",
                change_note="",
                by=coordinator,
            )
        moved = questions[1:] + questions[:1]
        with pytest.raises(services.DispatchError, match="before every other question"):
            services.protocol_version_create(
                questions=moved,
                rules=rules,
                default_recommendation="phone_support",
                change_note="",
                by=coordinator,
            )
        assert ProtocolVersion.objects.count() == 1

    def test_rules_must_name_questions_and_their_answers(self, coordinator):
        questions, rules = _inputs(current_protocol())
        bad = [*rules, services.RuleInput("call_type", "equals", "no_such_type", "refer")]
        with pytest.raises(services.DispatchError, match="not one of its answers"):
            services.protocol_version_create(
                questions=questions,
                rules=bad,
                default_recommendation="phone_support",
                change_note="",
                by=coordinator,
            )
        with pytest.raises(services.DispatchError, match="not a question"):
            services.protocol_version_create(
                questions=questions,
                rules=[services.RuleInput("nothing", "equals", "yes", "refer")],
                default_recommendation="phone_support",
                change_note="",
                by=coordinator,
            )

    def test_editor_page_saves_a_new_version(self, client, coordinator):
        client.force_login(coordinator)
        page = client.get("/dispatch/protocol/edit/")
        assert page.status_code == 200
        data = {}
        for formset in ("questions", "rules"):
            bound = page.context[formset]
            data[f"{formset}-TOTAL_FORMS"] = str(len(bound.forms))
            data[f"{formset}-INITIAL_FORMS"] = "0"
            for index, form in enumerate(bound.forms):
                for name, value in form.initial.items():
                    if isinstance(value, bool):
                        if value:
                            data[f"{formset}-{index}-{name}"] = "on"
                    else:
                        data[f"{formset}-{index}-{name}"] = value
        data["questions-0-text_en"] = "Does anyone have a weapon, or mention one?"
        data["default_recommendation"] = "phone_support"
        data["change_note"] = "Clearer weapon question"
        response = client.post("/dispatch/protocol/edit/", data)
        assert response.status_code == 302, response.context["meta"].errors if response.context else response
        v2 = current_protocol()
        assert v2.number == 2 and v2.created_by == coordinator
        assert v2.questions.get(key="weapon").text_en == "Does anyone have a weapon, or mention one?"
        assert v2.questions.count() == ProtocolVersion.objects.get(number=1).questions.count()

    def test_dispatchers_cannot_edit(self, client, dispatcher):
        client.force_login(dispatcher)
        assert client.get("/dispatch/protocol/edit/").status_code == 403
        assert client.get("/dispatch/protocol/").status_code == 200
