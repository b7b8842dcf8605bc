"""Receivers of other apps' signals. They only hand over to a service.

A responder's text to the hotline number arrives through hotline's `sms_received`: a YES or
NO (with the incident code when several call-outs wait) answers their call-out.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def acknowledgement_received(sender, *, message, volunteer, **kwargs) -> None:
    from dispatch.selectors import volunteer_may_respond
    from dispatch.services.acknowledgements import sms_acknowledgement

    if volunteer is None or not volunteer_may_respond(volunteer):
        return  # a deactivated responder's "YES" no longer joins a team (nor do their links work)
    handled = sms_acknowledgement(volunteer=volunteer, body=message.body or "")
    logger.info(
        "text from volunteer %s %s", volunteer.pk, "answered a call-out" if handled else "was not an answer"
    )


def partner_transfer_targets():
    """The partner directory's entries a call may be warm-transferred to (active, taking
    referrals, with a phone number), for `hotline.services.call_control`."""
    from hotline.models import CallTransfer
    from hotline.services import TransferTarget
    from outreach.models import Partner

    partners = (
        Partner.objects.filter(is_active=True, accepts_referrals=True).exclude(phone="").order_by("name")
    )
    return [
        TransferTarget(f"partner:{p.pk}", CallTransfer.Target.PARTNER, p.name, str(p.phone)) for p in partners
    ]
