"""Protocol editing: a coordinator saves the screening protocol as its next version.

The questions and rules are checked first (`protocol_problems`: danger screens first and
yes-or-no, rules that refer to real answers...); triages keep the version they used. Computing
a recommendation from answers is `dispatch.protocol`, not this module. Called by the protocol
editor view; its forms build the `QuestionInput` and `RuleInput` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dispatch.models import CallType, Decision, ProtocolQuestion, ProtocolRule, ProtocolVersion
from volunteers.models import Area

from ._common import DispatchError


@dataclass(frozen=True)
class QuestionInput:
    key: str
    kind: str
    text_en: str
    text_ko: str
    text_es: str
    required: bool = True
    danger_screen: bool = False
    options: tuple[dict, ...] = ()


@dataclass(frozen=True)
class RuleInput:
    question_key: str
    operator: str
    value: str
    recommendation: str
    explanation_en: str = ""
    explanation_ko: str = ""
    explanation_es: str = ""


def protocol_problems(*, questions: list[QuestionInput], rules: list[RuleInput]) -> list[str]:
    """What keeps this protocol from being safe to use; empty when it is."""
    problems: list[str] = []
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        problems.append(_("Each question needs its own key."))
    dangers = [q.danger_screen for q in questions]
    if not any(dangers):
        problems.append(_("Keep at least one danger screen: they recommend 911/EMS when answered yes."))
    else:
        first_other = next((i for i, danger in enumerate(dangers) if not danger), len(dangers))
        if any(dangers[first_other:]):
            problems.append(_("Danger screens must come before every other question."))
    for question in questions:
        if question.danger_screen and question.kind != ProtocolQuestion.Kind.YES_NO:
            problems.append(_("Danger screen %(key)s must be a yes-or-no question.") % {"key": question.key})
        if question.kind == ProtocolQuestion.Kind.CHOICE and not question.options:
            problems.append(_("Question %(key)s needs options.") % {"key": question.key})
    singles = [q.kind for q in questions if q.kind in ("call_type", "area", "language", "location")]
    if len(set(singles)) != len(singles):
        problems.append(_("Ask for the call type, area, language and location once each."))
    by_key = {q.key: q for q in questions}
    for rule in rules:
        question = by_key.get(rule.question_key)
        if question is None:
            problems.append(
                _("A rule refers to %(key)s, which is not a question.") % {"key": rule.question_key}
            )
            continue
        allowed = _allowed_rule_values(question)
        values = [v.strip() for v in rule.value.split(",")] if rule.operator == "in" else [rule.value.strip()]
        if allowed is not None and any(v not in allowed for v in values):
            problems.append(
                _("Rule on %(key)s: %(value)s is not one of its answers.")
                % {"key": rule.question_key, "value": rule.value}
            )
    return problems


def _allowed_rule_values(question: QuestionInput) -> set[str] | None:
    if question.kind == "yes_no":
        return {"yes", "no"}
    if question.kind == "choice":
        return {str(o.get("value", "")) for o in question.options}
    if question.kind == "call_type":
        return set(CallType.objects.values_list("slug", flat=True))
    if question.kind == "area":
        return {str(pk) for pk in Area.objects.values_list("pk", flat=True)}
    return None


def protocol_version_create(
    *,
    questions: list[QuestionInput],
    rules: list[RuleInput],
    default_recommendation: str,
    change_note: str,
    by,
) -> ProtocolVersion:
    """Save an edit of the protocol as the next version; triages keep the version they used."""
    problems = protocol_problems(questions=questions, rules=rules)
    if default_recommendation not in Decision.values:
        problems.append(_("Choose the default recommendation."))
    if problems:
        raise DispatchError(" ".join(problems))
    with transaction.atomic():
        # Lock the newest version so two coordinators saving at once get 2 and 3, not a clash.
        latest = ProtocolVersion.objects.select_for_update().order_by("-number").first()
        try:
            with transaction.atomic():
                version = ProtocolVersion.objects.create(
                    number=(latest.number if latest else 0) + 1,
                    default_recommendation=default_recommendation,
                    change_note=change_note[:300],
                    created_by=by,
                )
        except IntegrityError:
            raise DispatchError(
                _("Someone saved the protocol at the same moment; reload and try again.")
            ) from None
        ProtocolQuestion.objects.bulk_create(
            ProtocolQuestion(
                protocol=version,
                key=q.key,
                position=position,
                kind=q.kind,
                required=q.required,
                danger_screen=q.danger_screen,
                text_en=q.text_en,
                text_ko=q.text_ko,
                text_es=q.text_es,
                options=list(q.options),
            )
            for position, q in enumerate(questions, start=1)
        )
        ProtocolRule.objects.bulk_create(
            ProtocolRule(
                protocol=version,
                position=position,
                question_key=r.question_key,
                operator=r.operator,
                value=r.value.strip(),
                recommendation=r.recommendation,
                explanation_en=r.explanation_en,
                explanation_ko=r.explanation_ko,
                explanation_es=r.explanation_es,
            )
            for position, r in enumerate(rules, start=1)
        )
    return version
