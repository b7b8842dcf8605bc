"""Linking contacts to one person, for the case view of a repeat caller.

Contacts from one phone number belong together by the number; a dispatcher links others
(another number, a withheld number, someone met in the field) with "link to person".
"""

from __future__ import annotations

from django.db import transaction

from hotline.models import Intake, Person


class LinkError(ValueError):
    pass


def person_link(*, intake: Intake, other: Intake, by) -> Person:
    """Make `intake` and `other` one person's (merging the people they were linked to)."""
    if intake.pk == other.pk:
        raise LinkError("an intake cannot be linked to itself")
    with transaction.atomic():
        locked = list(Intake.objects.select_for_update().filter(pk__in=[intake.pk, other.pk]).order_by("pk"))
        people = sorted({row.person_id for row in locked if row.person_id is not None})
        if people:
            person = Person.objects.get(pk=people[0])
            if len(people) > 1:
                Intake.objects.filter(person_id__in=people[1:]).update(person=person)
                Person.objects.filter(pk__in=people[1:]).delete()
        else:
            person = Person.objects.create(created_by=by)
        Intake.objects.filter(pk__in=[intake.pk, other.pk]).update(person=person)
    intake.person = other.person = person
    return person


def person_unlink(*, intake: Intake) -> None:
    """Take one contact out of its person; a person left with one contact or none goes."""
    with transaction.atomic():
        person_id = intake.person_id
        Intake.objects.filter(pk=intake.pk).update(person=None)
        intake.person = None
        if person_id is not None and Intake.objects.filter(person_id=person_id).count() < 2:
            Intake.objects.filter(person_id=person_id).update(person=None)
            Person.objects.filter(pk=person_id).delete()
