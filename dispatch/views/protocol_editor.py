"""The screening protocol: the current version and any earlier one for dispatchers, and the editor
in which a coordinator saves the next version (`services.protocol_version_create`).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dispatch import selectors, services
from dispatch.forms import ProtocolMetaForm, QuestionForm, QuestionFormSet, RuleForm, RuleFormSet
from dispatch.models import ProtocolVersion, pick_language
from volunteers.models import Area
from volunteers.roles import Role, role_required


@role_required(Role.DISPATCHER)
@require_GET
def protocol(request):
    return protocol_version(request, selectors.current_protocol().number)


@role_required(Role.DISPATCHER)
@require_GET
def protocol_version(request, number: int):
    version = get_object_or_404(ProtocolVersion.objects.select_related("created_by"), number=number)
    return render(
        request,
        "dispatch/protocol.html",
        {
            "version": version,
            "current": selectors.current_protocol(),
            "versions": ProtocolVersion.objects.annotate(triage_count=Count("triages"))[:50],
            "questions": version.questions.all(),
            "rules": version.rules.all(),
            "spec": selectors.protocol_spec(version),
            "language": pick_language(get_language()),
        },
    )


@role_required(Role.COORDINATOR)
def protocol_edit(request):
    """Edit the protocol; saving makes the next version (triages keep the one they used)."""
    current = selectors.current_protocol()
    if request.method == "POST":
        questions = QuestionFormSet(request.POST, prefix="questions")
        rules = RuleFormSet(request.POST, prefix="rules")
        meta = ProtocolMetaForm(request.POST)
        if questions.is_valid() and rules.is_valid() and meta.is_valid():
            try:
                version = services.protocol_version_create(
                    questions=[form.to_input() for form in questions.ordered_forms_kept()],
                    rules=[form.to_input() for form in rules.ordered_forms_kept()],
                    default_recommendation=meta.cleaned_data["default_recommendation"],
                    change_note=meta.cleaned_data["change_note"],
                    by=request.user,
                )
            except services.DispatchError as exc:
                meta.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Protocol version %(number)s saved.") % {"number": version.number}
                )
                return redirect(version)
        status = 400
    else:
        questions = QuestionFormSet(
            prefix="questions",
            initial=[
                QuestionForm.initial_for(q) | {"ORDER": i} for i, q in enumerate(current.questions.all(), 1)
            ],
        )
        rules = RuleFormSet(
            prefix="rules",
            initial=[RuleForm.initial_for(r) | {"ORDER": i} for i, r in enumerate(current.rules.all(), 1)],
        )
        meta = ProtocolMetaForm(initial=ProtocolMetaForm.initial_for(current))
        status = 200
    return render(
        request,
        "dispatch/protocol_edit.html",
        {
            "current": current,
            "questions": questions,
            "rules": rules,
            "meta": meta,
            "areas": Area.objects.all(),
        },
        status=status,
    )
