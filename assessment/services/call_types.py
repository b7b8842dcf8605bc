"""Classifying a city's call types: suggestions from the reference study, coordinators' reviews."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.cfs.suggestions import ReferenceEntry, ReferenceIndex, suggest
from assessment.models import CfsCallType, CfsCategory, CfsCity, CfsReferenceCallType, Divertibility


def _reference_index() -> ReferenceIndex:
    return ReferenceIndex(
        ReferenceEntry(city, name, normalized, count, category_id)
        for city, name, normalized, count, category_id in CfsReferenceCallType.objects.values_list(
            "city", "name", "normalized", "count", "category_id"
        )
    )


def cfs_call_types_suggest(*, city: CfsCity) -> int:
    """Recompute suggestions for the city's call types; unreviewed ones take them. Returns the
    number of call types whose classification changed."""
    categories = list(CfsCategory.objects.all())
    by_slug = {category.slug: (category.pk, category.default_divertibility) for category in categories}
    by_id = {category.pk: (category.name, category.default_divertibility) for category in categories}
    reference = _reference_index()
    changed = []
    with transaction.atomic():
        for call_type in CfsCallType.objects.select_for_update().filter(city=city):
            suggestion = suggest(
                code=call_type.code,
                description=call_type.description,
                reference=reference,
                categories_by_slug=by_slug,
                categories_by_id=by_id,
            )
            before = (
                call_type.suggested_category_id,
                call_type.suggested_divertibility,
                call_type.suggestion_source,
                call_type.suggestion_note,
                call_type.category_id,
                call_type.divertibility,
                call_type.officer_initiated,
                call_type.officer_initiated_rule,
            )
            call_type.suggested_category_id = suggestion.category_id
            call_type.suggested_divertibility = suggestion.divertibility
            call_type.suggestion_source = suggestion.source
            call_type.suggestion_note = suggestion.note[:255]
            if not call_type.officer_initiated_reviewed:
                call_type.officer_initiated = bool(suggestion.officer_rule)
                call_type.officer_initiated_rule = suggestion.officer_rule[:60]
            if not call_type.reviewed:
                call_type.category_id = suggestion.category_id
                call_type.divertibility = suggestion.divertibility
            after = (
                call_type.suggested_category_id,
                call_type.suggested_divertibility,
                call_type.suggestion_source,
                call_type.suggestion_note,
                call_type.category_id,
                call_type.divertibility,
                call_type.officer_initiated,
                call_type.officer_initiated_rule,
            )
            if before != after:
                changed.append(call_type)
        CfsCallType.objects.bulk_update(
            changed,
            [
                "suggested_category",
                "suggested_divertibility",
                "suggestion_source",
                "suggestion_note",
                "category",
                "divertibility",
                "officer_initiated",
                "officer_initiated_rule",
            ],
            batch_size=500,
        )
    return len(changed)


def cfs_call_type_classify(
    *,
    call_type: CfsCallType,
    category: CfsCategory | None,
    divertibility: str,
    user,
    officer_initiated: bool | None = None,
) -> CfsCallType:
    """A coordinator's classification of a call type, kept across datasets of the city; with
    `officer_initiated`, also whether it is officers' own activity (then reviewed too)."""
    if divertibility not in Divertibility.values or divertibility == Divertibility.UNCLASSIFIED:
        raise ValidationError(_("Choose divertible, maybe or not divertible."))
    with transaction.atomic():
        locked = CfsCallType.objects.select_for_update().get(pk=call_type.pk)
        locked.category = category
        locked.divertibility = divertibility
        locked.reviewed = True
        locked.reviewed_by = user
        locked.reviewed_at = timezone.now()
        fields = ["category", "divertibility", "reviewed", "reviewed_by", "reviewed_at"]
        if officer_initiated is not None and (
            officer_initiated != locked.officer_initiated or not locked.officer_initiated_reviewed
        ):
            locked.officer_initiated = officer_initiated
            locked.officer_initiated_reviewed = True
            if officer_initiated != bool(locked.officer_initiated_rule):
                locked.officer_initiated_rule = "coordinator"
            fields += ["officer_initiated", "officer_initiated_reviewed", "officer_initiated_rule"]
        locked.save(update_fields=fields)
    return locked


def cfs_call_types_accept_suggestions(*, city: CfsCity, user) -> int:
    """Mark every unreviewed call type that has a suggestion as reviewed with it."""
    with transaction.atomic():
        return (
            CfsCallType.objects.filter(city=city, reviewed=False)
            .exclude(suggested_divertibility=Divertibility.UNCLASSIFIED)
            .update(reviewed=True, reviewed_by=user, reviewed_at=timezone.now())
        )
