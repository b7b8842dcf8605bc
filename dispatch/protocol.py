"""The screening protocol engine: answers in, recommendation out.

`recommend` is a pure function over plain data (`ProtocolSpec`), so it is the same on the
server for the live htmx panel and for the final decision, and tests need no database.

Two rules are hard-wired and no protocol edit can remove them:
- every danger screen answered "yes" recommends escalating to 911/EMS, whatever else was said;
- rules are checked top to bottom and the first that matches gives the recommendation; when
  none matches and every required question is answered, the version's default applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

YES = "yes"
NO = "no"

ESCALATE = "escalate_911"
SEND_RESPONDERS = "send_responders"

# Error codes of check_decision (forms turn them into translated messages).
MISSING_ANSWERS = "missing_answers"
OVERRIDE_NEEDS_REASON = "override_needs_reason"
DANGER_NEEDS_REASON = "danger_needs_reason"

# Question kinds whose answer must be one of a known list of values.
LISTED_KINDS = ("yes_no", "choice", "call_type", "area", "language")


@dataclass(frozen=True)
class Option:
    value: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.value


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    kind: str
    text: Mapping[str, str]
    required: bool = True
    danger_screen: bool = False
    options: tuple[Option, ...] = ()

    def allowed_values(self) -> frozenset[str] | None:
        if self.kind == "yes_no":
            return frozenset({YES, NO})
        if self.kind in LISTED_KINDS:
            return frozenset(option.value for option in self.options)
        return None

    def label(self, language: str = "en") -> str:
        return self.text.get(language) or self.text.get("en") or self.key


@dataclass(frozen=True)
class RuleSpec:
    question_key: str
    operator: str  # "equals", "not_equals" or "in"
    value: str
    recommendation: str
    explanation: Mapping[str, str] = field(default_factory=dict)

    def matches(self, answers: Mapping[str, str]) -> bool:
        answer = answers.get(self.question_key, "")
        if answer == "":
            return False
        if self.operator == "equals":
            return answer == self.value
        if self.operator == "not_equals":
            return answer != self.value
        if self.operator == "in":
            return answer in {part.strip() for part in self.value.split(",") if part.strip()}
        raise ValueError(f"unknown rule operator {self.operator!r}")


@dataclass(frozen=True)
class ProtocolSpec:
    version: int
    questions: tuple[QuestionSpec, ...]
    rules: tuple[RuleSpec, ...]
    default_recommendation: str

    def question(self, key: str) -> QuestionSpec | None:
        for question in self.questions:
            if question.key == key:
                return question
        return None


@dataclass(frozen=True)
class Recommendation:
    """The engine's answer. `decision` is None while nothing can be said yet."""

    decision: str | None
    danger_keys: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    rule: RuleSpec | None = None

    @property
    def danger(self) -> bool:
        return bool(self.danger_keys)

    @property
    def complete(self) -> bool:
        return not self.missing


def clean_answers(spec: ProtocolSpec, raw: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """Keep the answers to the spec's questions, stripped; return (answers, errors by key).

    Unknown keys are dropped; a value outside a question's list is an error, not an answer.
    """
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question in spec.questions:
        value = raw.get(question.key)
        if value is None:
            continue
        value = str(value).strip()
        if value == "":
            continue
        allowed = question.allowed_values()
        if allowed is not None and value not in allowed:
            errors[question.key] = "invalid_choice"
            continue
        if allowed is None:
            value = value[:1000]
        answers[question.key] = value
    return answers, errors


def recommend(spec: ProtocolSpec, answers: Mapping[str, str]) -> Recommendation:
    """The recommended decision for these (clean) answers."""
    missing = tuple(q.key for q in spec.questions if q.required and not answers.get(q.key))
    danger_keys = tuple(q.key for q in spec.questions if q.danger_screen and answers.get(q.key) == YES)
    if danger_keys:
        return Recommendation(decision=ESCALATE, danger_keys=danger_keys, missing=missing)
    for rule in spec.rules:
        if rule.matches(answers):
            return Recommendation(decision=rule.recommendation, missing=missing, rule=rule)
    if missing:
        return Recommendation(decision=None, missing=missing)
    return Recommendation(decision=spec.default_recommendation, missing=missing)


def check_decision(recommendation: Recommendation, *, decision: str, override_reason: str) -> dict[str, str]:
    """Error codes (by field) that keep this decision from being recorded; empty when it may.

    - the required questions must be answered, unless a danger screen already said "escalate"
      and the dispatcher escalates;
    - a decision other than the recommendation needs a written reason;
    - "send responders" after a danger screen answered yes needs a reason, always.
    """
    errors: dict[str, str] = {}
    reason = override_reason.strip()
    escalating_on_danger = recommendation.danger and decision == ESCALATE
    if recommendation.missing and not escalating_on_danger and decision != "no_action":
        errors["answers"] = MISSING_ANSWERS
    if recommendation.decision is not None and decision != recommendation.decision and not reason:
        errors["override_reason"] = OVERRIDE_NEEDS_REASON
    if recommendation.danger and decision == SEND_RESPONDERS and not reason:
        errors["override_reason"] = DANGER_NEEDS_REASON
    return errors
