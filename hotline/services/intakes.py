"""Intakes: a contact (a call, a text, a partner's hand-off) that dispatchers triage.

`intake_open` is the one way an intake is created; the call, text and hand-off services
call it, and so does dispatch (an intake a dispatcher opens by hand). The admin closes stale
intakes with `intakes_close`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.models import Call, Intake
from hotline.services._common import normalise_caller


def _intake_for_call(call: Call, *, language: str = "", source: str = Intake.Source.HOTLINE_CALL) -> Intake:
    intake = Intake.objects.filter(call=call).first()
    if intake is None:
        intake = intake_open(
            channel=Intake.Channel.VOICE,
            caller=normalise_caller(call.from_number),
            language=language or call.language,
            call=call,
            source=source,
        )
    return intake


def intake_open(
    *,
    channel: str,
    caller: str,
    language: str = "",
    call: Call | None = None,
    area=None,
    location: str = "",
    summary: str = "",
    status: str = Intake.Status.NEW,
    source: str = "",
) -> Intake:
    """Open an intake for dispatchers to triage. The source defaults to the channel's own
    (a hotline call, or a text)."""
    if channel not in Intake.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if not source:
        source = Intake.Source.TEXT if channel == Intake.Channel.SMS else Intake.Source.HOTLINE_CALL
    if source not in Intake.Source.values:
        raise ValueError(f"unknown source {source!r}")
    if status not in Intake.Status.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        return Intake.objects.create(
            channel=channel,
            caller=caller,
            language=language,
            call=call,
            area=area,
            location=location,
            summary=summary,
            status=status,
            source=source,
        )


def intake_set_status(*, intake: Intake, status: str) -> Intake:
    if status not in Intake.Status.values:
        raise ValueError(f"unknown status {status!r}")
    intake.status = status
    intake.save(update_fields=["status", "updated_at"])
    return intake


def intakes_close(*, intakes: QuerySet[Intake]) -> int:
    """Close every intake of `intakes` not closed yet (a coordinator tidying stale contacts);
    returns how many changed."""
    from hotline.services.handoffs import handoff_status_changed

    with transaction.atomic():
        open_intakes = intakes.exclude(status=Intake.Status.CLOSED)
        # Handed-over contacts among them: their partners hear of the close (status webhooks).
        handed_over = list(
            open_intakes.filter(handoff__partner__webhook_url__gt="").values_list("pk", flat=True)
        )
        closed = open_intakes.update(status=Intake.Status.CLOSED, updated_at=timezone.now())
        for intake_id in handed_over:
            handoff_status_changed(intake_id=intake_id)
        return closed
