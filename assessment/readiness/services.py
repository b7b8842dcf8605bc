"""State changes of the roadmap and launch readiness."""

from __future__ import annotations

import logging
import uuid
import xml.etree.ElementTree as ET

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import HotlineTestCall, ProtocolApproval, RoadmapPhase

logger = logging.getLogger(__name__)

TEST_CALLER = "+12025550100"


def is_demo() -> bool:
    """A development or demo install: DEBUG on and no Twilio account to call through. The test
    call then plays Twilio's part with the simulator (as `manage.py simulate_call` does)."""
    return settings.DEBUG and not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def roadmap_ensure_phases() -> list[RoadmapPhase]:
    """The six phases, created in order when missing. Idempotent."""
    phases = []
    for position, kind in enumerate(RoadmapPhase.Kind.values):
        phase, _created = RoadmapPhase.objects.get_or_create(kind=kind, defaults={"position": position})
        phases.append(phase)
    return phases


def protocol_approve(*, number: int, by) -> ProtocolApproval:
    """A coordinator approves the current screening protocol version for the launch."""
    from dispatch.models import ProtocolVersion

    current = ProtocolVersion.objects.order_by("-number").first()
    if current is None or current.number != number:
        raise ValueError("only the current protocol version can be approved")
    with transaction.atomic():
        approval, _created = ProtocolApproval.objects.get_or_create(
            protocol_number=number, defaults={"approved_by": by}
        )
    return approval


def hotline_test_call_place(*, by) -> HotlineTestCall:
    """Play Twilio's part for one incoming call through the real, signature-checking webhook
    view, then remove the call it recorded so it never counts as a real caller.

    The result is written in the language of the coordinator placing the call.

    Succeeds when the view accepted the signature, recorded the call and answered with the
    language menu (or rang volunteers): the answer a caller would hear. In a demo (`is_demo`)
    the call goes to HOTLINE_NUMBER or the simulator's default number, and says it was simulated.
    """
    from hotline.models import Call
    from hotline.simulator import DEFAULT_HOTLINE_NUMBER, CallScript, CallSimulation, TwilioSimulator

    problems = []
    demo = is_demo()
    hotline = settings.HOTLINE_NUMBER or (DEFAULT_HOTLINE_NUMBER if demo else "")
    if not hotline:
        problems.append(_("%(setting)s is not set") % {"setting": "HOTLINE_NUMBER"})
    if not settings.PUBLIC_BASE_URL:
        problems.append(_("%(setting)s is not set") % {"setting": "PUBLIC_BASE_URL"})
    call_sid = "CA" + uuid.uuid4().hex
    detail = ""
    succeeded = False
    if problems:
        detail = "; ".join(problems)
    else:
        script = CallScript(caller=TEST_CALLER, hotline=hotline, language=None, call_sid=call_sid)
        simulation = CallSimulation(script, TwilioSimulator())
        try:
            exchange = simulation.sim.post(reverse("hotline:voice_incoming"), simulation.base_params())
            recorded = Call.objects.filter(call_sid=call_sid).exists()
            root = ET.fromstring(exchange.body) if exchange.status == 200 else None  # noqa: S314 - our own TwiML
            answered = root is not None and (root.find("Gather") is not None or root.find("Dial") is not None)
            succeeded = exchange.status == 200 and recorded and answered
            if exchange.status == 403:
                detail = _("the webhook refused the signature (check TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL)")
            elif exchange.status != 200:
                detail = _("the webhook answered HTTP %(status)s") % {"status": exchange.status}
            elif not recorded:
                detail = _("the webhook answered, but could not record the call (database?)")
            elif not answered:
                detail = _("the webhook answered without the language menu")
            else:
                detail = _("answered with the language menu")
            if demo:
                detail = _(
                    "simulated call to %(number)s (demo: DEBUG on, no Twilio credentials): %(detail)s"
                ) % {
                    "number": hotline,
                    "detail": detail,
                }
        except Exception as exc:
            logger.exception("Hotline test call failed")
            detail = _("the webhook failed: %(error)s") % {"error": exc.__class__.__name__}
        finally:
            Call.objects.filter(call_sid=call_sid).delete()
    return HotlineTestCall.objects.create(
        placed_at=timezone.now(), placed_by=by, succeeded=succeeded, detail=detail[:300]
    )


def roadmap_item_save(*, form) -> RoadmapPhase:
    """Save a valid phase or milestone form."""
    with transaction.atomic():
        return form.save()
