"""The screening protocol: the current version, and a version as plain data for the engine."""

from __future__ import annotations

from dispatch.models import (
    CallType,
    ProtocolVersion,
)
from dispatch.protocol import Option, ProtocolSpec, QuestionSpec, RuleSpec
from volunteers.models import Area, Language


def current_protocol() -> ProtocolVersion:
    """The newest protocol version (a migration seeds version 1)."""
    version = ProtocolVersion.objects.order_by("-number").first()
    if version is None:
        raise ProtocolVersion.DoesNotExist("no screening protocol: run the migrations")
    return version


def protocol_spec(version: ProtocolVersion) -> ProtocolSpec:
    """The version as plain data for the engine, with the current lists for taxonomy questions."""
    listed: dict[str, tuple[Option, ...]] = {}
    questions = []
    for question in version.questions.all():
        if question.kind == "choice":
            options = tuple(
                Option(value=str(o.get("value", "")), labels={k: o.get(k, "") for k in ("en", "ko", "es")})
                for o in question.options
            )
        elif question.kind in ("call_type", "area", "language"):
            if question.kind not in listed:
                listed[question.kind] = _taxonomy_options(question.kind)
            options = listed[question.kind]
        else:
            options = ()
        questions.append(
            QuestionSpec(
                key=question.key,
                kind=question.kind,
                text={"en": question.text_en, "ko": question.text_ko, "es": question.text_es},
                required=question.required,
                danger_screen=question.danger_screen,
                options=options,
            )
        )
    rules = tuple(
        RuleSpec(
            question_key=rule.question_key,
            operator=rule.operator,
            value=rule.value,
            recommendation=rule.recommendation,
            explanation={"en": rule.explanation_en, "ko": rule.explanation_ko, "es": rule.explanation_es},
        )
        for rule in version.rules.all()
    )
    return ProtocolSpec(
        version=version.number,
        questions=tuple(questions),
        rules=rules,
        default_recommendation=version.default_recommendation,
    )


def _taxonomy_options(kind: str) -> tuple[Option, ...]:
    if kind == "call_type":
        return tuple(
            Option(
                value=c.slug,
                labels={"en": c.name_en, "ko": c.name_ko or c.name_en, "es": c.name_es or c.name_en},
            )
            for c in CallType.objects.filter(is_active=True)
        )
    if kind == "area":
        return tuple(
            Option(value=str(a.pk), labels={"en": a.name}) for a in Area.objects.filter(is_active=True)
        )
    return tuple(Option(value=lang.code, labels={"en": lang.name}) for lang in Language.objects.all())
