"""What several dispatch views share: the audit trail's names of the two subjects, recording a
change made through a request, and turning the outcome form (used on the dispatcher's incident
page and on the responder page) into the service's input.
"""

from __future__ import annotations

from audit.services import Action, audit_record
from dispatch import services
from dispatch.forms import OutcomeForm

INTAKE, INCIDENT = "hotline.intake", "dispatch.incident"


def _audit_change(
    request, subject: str, pk: int, what: str, *, action: str = Action.CHANGED, **actor
) -> None:
    """Record a change made through this request (`actor`/`actor_label` default to the user)."""
    audit_record(
        action=action,
        subject=subject,
        ids=[pk],
        what=what,
        actor=actor.get("actor", request.user),
        actor_label=actor.get("actor_label", ""),
        path=request.path,
    )


def _outcome_input(form: OutcomeForm) -> services.OutcomeInput:
    data = form.cleaned_data
    referral = None
    if data["referral_partner"]:
        referral = services.ReferralChoice(
            partner=data["referral_partner"], service_type=data["referral_service"]
        )
    return services.OutcomeInput(
        outcome=data["outcome"],
        transported_by=data["transported_by"],
        notes=data["notes"],
        follow_up_needed=data["follow_up_needed"],
        follow_up_notes=data["follow_up_notes"],
        follow_up_declined=data.get("follow_up_declined", False),
        referral=referral,
    )
