"""The case view of a repeat caller, "link to person", and the optional questions at close.

- `case`: every contact of the intake's person (same number, or linked by a dispatcher) in one
  timeline with their decisions, incidents, follow-ups and referrals. Dispatchers and
  coordinators only (after the second factor, like every page of theirs); every view audited,
  naming each contact shown.
- `intake_link_person`: tie another intake to this one's person.
- `intake_evidence`: the two optional diversion questions and the person's optional,
  consented demographics, recorded by the dispatcher at close or at a follow-up.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.services import Action, audit_record
from dispatch import cases, selectors
from hotline import services as hotline_services
from hotline.forms import DemographicsForm, EvidenceForm, LinkPersonForm
from volunteers.roles import Role, role_required

from ._common import INTAKE, _audit_change


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def case(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    intakes = cases.case_intakes(intake)
    audit_record(
        action=Action.VIEWED,
        subject=INTAKE,
        ids=[row.pk for row in intakes],
        what=f"case view of intake {intake.pk}",
        actor=request.user,
        path=request.path,
    )
    return render(
        request,
        "dispatch/case.html",
        {
            "intake": intake,
            "intakes": intakes,
            "timeline": cases.case_timeline(intakes),
            "link_form": LinkPersonForm(),
        },
    )


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_link_person(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    form = LinkPersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of another intake."))
        return redirect("dispatch:case", pk=intake.pk)
    other = selectors.intake_get_for_dispatcher(user=request.user, pk=form.cleaned_data["other"])
    try:
        with transaction.atomic():
            hotline_services.person_link(intake=intake, other=other, by=request.user)
            audit_record(
                action=Action.CHANGED,
                subject=INTAKE,
                ids=[intake.pk, other.pk],
                what="linked to one person",
                actor=request.user,
                path=request.path,
            )
    except hotline_services.LinkError:
        messages.error(request, _("An intake cannot be linked to itself."))
        return redirect("dispatch:case", pk=intake.pk)
    messages.success(request, _("Intake #%(other)s is linked to this person.") % {"other": other.pk})
    return redirect("dispatch:case", pk=intake.pk)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def intake_evidence(request, pk: int):
    intake = selectors.intake_get_for_dispatcher(user=request.user, pk=pk)
    evidence_form = EvidenceForm(request.POST, prefix="ev")
    demographics_form = DemographicsForm(request.POST, prefix="dm")
    back = _next_url(request, intake_url(intake.pk))
    if not (evidence_form.is_valid() and demographics_form.is_valid()):
        errors = [*evidence_form.errors.values(), *demographics_form.errors.values()]
        messages.error(request, " ".join(str(message) for error in errors for message in error))
        return redirect(back)
    with transaction.atomic():
        data = evidence_form.cleaned_data
        hotline_services.evidence_record(
            intake=intake, would_have_called=data["would_have_called"], heard_from=data["heard_from"]
        )
        hotline_services.demographics_record(
            intake=intake,
            consented=demographics_form.cleaned_data["consented"],
            by=request.user,
            **demographics_form.answers(),
        )
        _audit_change(request, INTAKE, intake.pk, "optional questions recorded")
    messages.success(request, _("Thank you: the optional answers are saved."))
    return redirect(back)


def intake_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("dispatch:intake", args=[pk]) + "#optional-questions"


def evidence_forms(intake) -> dict:
    """The two forms as the intake and follow-up pages show them, filled with what is stored."""
    evidence = getattr(intake, "evidence", None)
    demographics = getattr(intake, "demographics", None)
    initial = (
        {"would_have_called": evidence.would_have_called, "heard_from": evidence.heard_from}
        if evidence
        else {}
    )
    return {
        "evidence_form": EvidenceForm(prefix="ev", initial=initial),
        "demographics_form": DemographicsForm(
            prefix="dm", initial=DemographicsForm.initial_for(demographics)
        ),
    }
