"""Demo intakes for `manage.py seed_demo`: calls and text conversations in English, Korean and
Spanish. Idempotent: keyed by fixed CallSids and MessageSids."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from hotline.models import Call, Handoff, HandoffPartner, Intake, Message, PartnerLine
from hotline.services import AUTO_REPLY, in_language

HOTLINE = "+12025550100"

CALLS = (
    # sid, caller, language, minutes ago, outcome, intake status, answered by (username)
    (
        "CAdemo0000000000000000000000000001",
        "+12025550143",
        "ko",
        7,
        Call.Outcome.ABANDONED,
        Intake.Status.NEEDS_CALLBACK,
        None,
    ),
    (
        "CAdemo0000000000000000000000000002",
        "+12025550161",
        "en",
        22,
        Call.Outcome.ANSWERED,
        Intake.Status.NEW,
        "dispatcher",
    ),
)

CONVERSATIONS = (
    # first MessageSid, sender, language, minutes ago, texts
    (
        "SMdemo0000000000000000000000000001",
        "+12025550177",
        "es",
        4,
        ("Hola, mi hermano está muy confundido y no quiere salir del carro. Estamos en la calle 14.",),
    ),
    (
        "SMdemo0000000000000000000000000002",
        "+12025550188",
        "ko",
        12,
        ("안녕하세요. 옆집 할머니가 이틀째 문을 안 여세요. 걱정돼요.", "주소는 3번가 아파트 2층이에요."),
    ),
)


def seed(*, stdout) -> None:
    now = timezone.now()
    created = 0
    with transaction.atomic():
        for sid, caller, language, minutes, outcome, status, username in CALLS:
            started = now - timedelta(minutes=minutes)
            answered_by = get_user_model().objects.filter(username=username).first() if username else None
            call, new = Call.objects.get_or_create(
                call_sid=sid,
                defaults={
                    "from_number": caller,
                    "to_number": HOTLINE,
                    "language": language,
                    "status": Call.Status.COMPLETED,
                    "outcome": outcome,
                    "started_at": started,
                    "answered_at": started + timedelta(seconds=14) if answered_by else None,
                    "answered_by": answered_by,
                    "ended_at": started + timedelta(minutes=4),
                    "duration": 240,
                },
            )
            if new:
                Intake.objects.create(
                    channel=Intake.Channel.VOICE,
                    caller=caller,
                    language=language,
                    call=call,
                    status=status,
                    created_at=started,
                )
                created += 1
        for first_sid, sender, language, minutes, texts in CONVERSATIONS:
            if Message.objects.filter(message_sid=first_sid).exists():
                continue
            started = now - timedelta(minutes=minutes)
            intake = Intake.objects.create(
                channel=Intake.Channel.SMS,
                source=Intake.Source.TEXT,
                caller=sender,
                language=language,
                created_at=started,
            )
            for index, text in enumerate(texts):
                at = started + timedelta(minutes=index * 2)
                Message.objects.create(
                    direction=Message.Direction.INBOUND,
                    message_sid=first_sid if index == 0 else f"{first_sid}-{index}",
                    from_number=sender,
                    to_number=HOTLINE,
                    body=text,
                    status=Message.Status.RECEIVED,
                    intake=intake,
                    created_at=at,
                )
                if index == 0:
                    Message.objects.create(
                        direction=Message.Direction.OUTBOUND,
                        message_sid=f"{first_sid}-reply",
                        from_number=HOTLINE,
                        to_number=sender,
                        body=in_language(language, AUTO_REPLY),
                        status=Message.Status.DELIVERED,
                        intake=intake,
                        created_at=at + timedelta(seconds=2),
                    )
            created += 1
        _seed_partners()
    stdout.write(
        f"hotline: {created} demo intakes added" if created else "hotline: demo intakes already present"
    )


def _seed_partners() -> None:
    """A 911 transfer line (Spanish-speaking callers skip the menu) and one API hand-off."""
    PartnerLine.objects.get_or_create(
        number="+12025550911",
        defaults={"name": "911 transfer line", "source": Intake.Source.TRANSFER_911, "language": "es"},
    )
    partner, _created = HandoffPartner.objects.get_or_create(
        name="DC 311", defaults={"source": Intake.Source.POLICE_311_REQUEST}
    )
    if not Handoff.objects.filter(partner=partner, reference="311-DEMO-0001").exists():
        from hotline.services import handoff_receive

        handoff_receive(
            partner=partner,
            reference="311-DEMO-0001",
            call_type="welfare_check",
            language="en",
            location="Bench outside the library, 7th St NW",
            callback_number="+12025550199",
            notes="Caller worried about a man who has been sitting there since morning.",
        )
