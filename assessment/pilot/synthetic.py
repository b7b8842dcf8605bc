"""Synthetic pilot history: contacts with their calls, triage, incidents, timelines, referrals,
callbacks, and staffed shifts, shaped like a small city's hotline.

Used by the demo data (a few hundred contacts) and by `bench/dashboard.py` (100,000). Rows are
made as plain dicts with ids assigned here and written in chunks: with PostgreSQL's COPY (the
benchmark's 500,000 rows take seconds, not minutes), elsewhere with bulk_create. Columns a row
does not name get the model field's default, so new fields of the other apps need no change
here. Never run it on a real deployment's database: every row it writes is invented.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from dispatch.models import CallType, Decision, Incident, IncidentEvent, ProtocolVersion, Referral, Triage
from hotline.models import Call, Intake
from outreach.models import Partner
from volunteers.models import Area, Shift, ShiftAssignment, ShiftRole, Volunteer
from volunteers.roles import Role

# Contacts follow the day: few before dawn, most in the afternoon and evening.
HOUR_WEIGHTS = [3, 2, 2, 1.5, 1, 1, 1.5, 2.5, 3.5, 4, 4.5, 5, 5, 5, 5.5, 6, 6, 6, 6, 5.5, 5, 4.5, 4, 3.5]
CHANNELS = (  # (channel, source), weight
    ((Intake.Channel.VOICE, Intake.Source.HOTLINE_CALL), 72),
    ((Intake.Channel.VOICE, Intake.Source.TRANSFER_911), 8),
    ((Intake.Channel.VOICE, Intake.Source.POLICE_311_REQUEST), 3),
    ((Intake.Channel.VOICE, Intake.Source.PARTNER), 2),
    ((Intake.Channel.SMS, Intake.Source.TEXT), 12),
    ((Intake.Channel.IN_PERSON, Intake.Source.FIELD_INITIATED), 3),
)
CALL_OUTCOMES = (
    (Call.Outcome.ANSWERED, 80),
    (Call.Outcome.FALLBACK, 3),
    (Call.Outcome.VOICEMAIL, 7),
    (Call.Outcome.MISSED, 4),
    (Call.Outcome.ABANDONED, 6),
)
DECISIONS = (
    (Decision.PHONE_SUPPORT, 45),
    (Decision.SEND_RESPONDERS, 30),
    (Decision.REFER, 12),
    (Decision.ESCALATE, 5),
    (Decision.NO_ACTION, 8),
)
OUTCOMES = (
    (Incident.Outcome.RESOLVED, 55),
    (Incident.Outcome.REFERRED, 15),
    (Incident.Outcome.TRANSPORTED, 8),
    (Incident.Outcome.POLICE_REQUESTED, 3),
    (Incident.Outcome.EMS_REQUESTED, 4),
    (Incident.Outcome.NO_CONTACT, 8),
    (Incident.Outcome.DECLINED, 7),
)
TIMELINE = (  # incident event, seconds after the previous step (low, high)
    (IncidentEvent.Kind.ACCEPTED, 20, 300),
    (IncidentEvent.Kind.EN_ROUTE, 30, 300),
    (IncidentEvent.Kind.ON_SCENE, 300, 1500),
    (IncidentEvent.Kind.CLEARED, 1200, 5400),
)
# Incident codes "S0…": dispatch never makes a code with a 0, so these cannot collide with real ones.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MODELS = (Call, Intake, Triage, Incident, IncidentEvent, Referral, Shift, ShiftAssignment)


@dataclass
class Synthesized:
    contacts: int = 0
    calls: int = 0
    triages: int = 0
    incidents: int = 0
    events: int = 0
    referrals: int = 0
    shifts: int = 0


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _code(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[rest])
        if not number:
            break
    return "S0" + "".join(reversed(digits))


# --------------------------------------------------------------------------------------------
# Writing rows


class _Writer:
    """Writes row dicts (attname -> value) of a model, filling the other columns with defaults."""

    def __init__(self, now: datetime):
        self.now = now
        self.next_id = {model: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for model in MODELS}
        self.defaults = {model: self._defaults(model) for model in MODELS}

    def _defaults(self, model) -> dict:
        defaults = {}
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults[field.attname] = self.now
            elif field.has_default():
                defaults[field.attname] = field.get_default()
            elif field.null:
                defaults[field.attname] = None
            else:
                defaults[field.attname] = ""
        return defaults

    def new_id(self, model) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(model, rows)
        else:
            defaults = self.defaults[model]
            model.objects.bulk_create([model(**{**defaults, **row}) for row in rows])

    def _copy(self, model, rows: list[dict]) -> None:
        fields = [field for field in model._meta.concrete_fields]
        defaults = self.defaults[model]
        buffer = io.StringIO()
        for row in rows:
            values = [
                _copy_text(row[f.attname] if f.attname in row else defaults[f.attname], f) for f in fields
            ]
            buffer.write("\t".join(values) + "\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids given here."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in MODELS:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT coalesce(max(id), 1) FROM {table}))",  # noqa: S608 - a model's table name
                    [table],
                )


def _copy_text(value, field) -> str:
    """A value in COPY's text format (tab-separated, \\N for NULL)."""
    if value is None:
        return r"\N"
    if isinstance(field, models.JSONField):
        value = json.dumps(value)
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --------------------------------------------------------------------------------------------
# Inventing rows


class _Maker:
    def __init__(self, *, first_day, last_day, seed, sid_prefix, by, now):
        self.rng = random.Random(seed)  # noqa: S311 - invented data, not security
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.days = (last_day - first_day).days + 1
        self.first_day = first_day
        self.sid_prefix = sid_prefix
        self.by_id = by.pk
        self.now = now
        self.protocol_id = ProtocolVersion.objects.order_by("number").values_list("pk", flat=True).first()
        self.call_type_ids = list(CallType.objects.filter(is_active=True).values_list("pk", flat=True))
        self.area_ids = list(Area.objects.filter(is_active=True).values_list("pk", flat=True)) or [None]
        self.partner_ids = list(Partner.objects.filter(is_active=True).values_list("pk", flat=True)[:20])
        self.codes = Incident.objects.filter(code__startswith="S0").count()
        self.sequence = Call.objects.filter(call_sid__startswith=sid_prefix).count()
        self.writer = _Writer(now)

    def moment(self) -> datetime:
        rng = self.rng
        day = self.first_day + timedelta(days=rng.randrange(self.days))
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=self.zone)
        at = local.astimezone(UTC)
        return at if at < self.now else self.now - timedelta(minutes=rng.randrange(1, 600))

    def sid(self) -> str:
        self.sequence += 1
        return f"{self.sid_prefix}{self.sequence:028d}"

    def call(self, *, at: datetime, caller: str, outcome: str) -> dict:
        rng = self.rng
        answered = outcome in (Call.Outcome.ANSWERED, Call.Outcome.FALLBACK)
        wait = rng.lognormvariate(2.4, 0.45)  # median about 11 s
        ended = at + timedelta(
            seconds=wait + (rng.randrange(120, 1800) if answered else rng.randrange(20, 150))
        )
        offered = outcome in (Call.Outcome.VOICEMAIL, Call.Outcome.MISSED)
        return {
            "id": self.writer.new_id(Call),
            "call_sid": self.sid(),
            "from_number": caller,
            "to_number": "+12025550100",
            "language": rng.choice(["en", "en", "en", "es", "ko"]),
            "status": Call.Status.COMPLETED,
            "outcome": outcome,
            "started_at": at,
            "answered_at": at + timedelta(seconds=wait) if answered else None,
            "ended_at": ended,
            "duration": int((ended - at).total_seconds()),
            "voicemail_offered_at": at + timedelta(seconds=40) if offered else None,
        }

    def chunk(self, count: int, callers: list[str], result: Synthesized) -> None:
        rng, writer = self.rng, self.writer
        rows = {model: [] for model in MODELS}
        for _ in range(count):
            at, caller, area_id = self.moment(), rng.choice(callers), rng.choice(self.area_ids)
            channel, source = _pick(rng, CHANNELS)
            voice = channel == Intake.Channel.VOICE
            call = self.call(at=at, caller=caller, outcome=_pick(rng, CALL_OUTCOMES)) if voice else None
            if call:
                rows[Call].append(call)
            intake_id = writer.new_id(Intake)
            rows[Intake].append(
                {
                    "id": intake_id,
                    "channel": channel,
                    "source": source,
                    "caller": caller if channel != Intake.Channel.IN_PERSON else "",
                    "language": call["language"] if call else "en",
                    "area_id": area_id,
                    "status": Intake.Status.CLOSED,
                    "call_id": call["id"] if call else None,
                    "created_at": at,
                }
            )
            if call and call["voicemail_offered_at"] and rng.random() < 0.85:
                back = call["ended_at"] + timedelta(minutes=rng.lognormvariate(3.3, 0.9))
                if back < self.now:
                    callback = self.call(at=back, caller="+12025550111", outcome=Call.Outcome.PENDING)
                    callback.update(
                        direction=Call.Direction.OUTBOUND, to_number=caller, callback_intake_id=intake_id
                    )
                    callback["answered_at"] = back + timedelta(seconds=12)
                    rows[Call].append(callback)
            if rng.random() < 0.04:
                continue  # never triaged (a wrong number nobody opened)
            self.triage(rows, intake_id=intake_id, at=at, area_id=area_id)
        # Callers who hang up in the language menu open no intake: calls without a contact.
        for _ in range(count // 40):
            rows[Call].append(
                self.call(at=self.moment(), caller=rng.choice(callers), outcome=Call.Outcome.ABANDONED)
            )
        with transaction.atomic():
            for model in MODELS[:6]:
                writer.write(model, rows[model])
        result.contacts += len(rows[Intake])
        result.calls += len(rows[Call])
        result.triages += len(rows[Triage])
        result.incidents += len(rows[Incident])
        result.events += len(rows[IncidentEvent])
        result.referrals += len(rows[Referral])

    def triage(self, rows: dict, *, intake_id: int, at: datetime, area_id) -> None:
        rng, writer = self.rng, self.writer
        decision = _pick(rng, DECISIONS)
        decided_at = at + timedelta(seconds=rng.randrange(60, 900))
        escalated = decision == Decision.ESCALATE
        triage_id = writer.new_id(Triage)
        rows[Triage].append(
            {
                "id": triage_id,
                "intake_id": intake_id,
                "protocol_id": self.protocol_id,
                "claimed_by_id": self.by_id,
                "claimed_at": at + timedelta(seconds=30),
                "call_type_id": rng.choice(self.call_type_ids) if self.call_type_ids else None,
                "area_id": area_id,
                "recommendation": decision,
                "decision": decision,
                "decided_by_id": self.by_id,
                "decided_at": decided_at,
                "handoff_to": "911" if escalated else "",
                "handoff_at": decided_at if escalated else None,
                "created_at": at,
            }
        )
        if decision == Decision.REFER and self.partner_ids:
            rows[Referral].append(
                {
                    "id": writer.new_id(Referral),
                    "triage_id": triage_id,
                    "partner_id": rng.choice(self.partner_ids),
                    "created_by_id": self.by_id,
                    "created_at": decided_at,
                }
            )
        if decision != Decision.SEND_RESPONDERS:
            return
        outcome = _pick(rng, OUTCOMES)
        incident_id = writer.new_id(Incident)
        self.codes += 1
        rows[Incident].append(
            {
                "id": incident_id,
                "code": _code(self.codes),
                "triage_id": triage_id,
                "status": Incident.Status.CLOSED,
                "call_type_id": rows[Triage][-1]["call_type_id"],
                "area_id": area_id,
                "opened_by_id": self.by_id,
                "opened_at": decided_at,
                "outcome": outcome,
                "transported_by": "County EMS" if outcome == Incident.Outcome.TRANSPORTED else "",
                "outcome_recorded_at": decided_at + timedelta(hours=2),
                "closed_at": decided_at + timedelta(hours=2),
            }
        )
        step = decided_at
        events = [(IncidentEvent.Kind.DISPATCHED, step)]
        for kind, low, high in TIMELINE:
            step += timedelta(seconds=rng.randrange(low, high))
            events.append((kind, step))
        for kind, when in events:
            rows[IncidentEvent].append(
                {
                    "id": writer.new_id(IncidentEvent),
                    "incident_id": incident_id,
                    "kind": kind,
                    "created_at": when,
                }
            )
        if outcome == Incident.Outcome.REFERRED and self.partner_ids:
            rows[Referral].append(
                {
                    "id": writer.new_id(Referral),
                    "incident_id": incident_id,
                    "partner_id": rng.choice(self.partner_ids),
                    "created_by_id": self.by_id,
                    "created_at": step,
                }
            )

    def staff(self, *, volunteer_ids: list[int], first_day: date, last_day: date) -> int:
        """A dispatcher and two responders 08:00-16:00 and 16:00-24:00 every day, from the
        volunteers holding each role (all of them if none does); now and then a place stays
        empty; past shifts marked attended (or, rarely, no-show)."""
        rng, writer = self.rng, self.writer
        pools = {}
        for role, group in ((ShiftRole.DISPATCHER, Role.DISPATCHER), (ShiftRole.RESPONDER, Role.RESPONDER)):
            holders = list(
                Volunteer.objects.filter(pk__in=volunteer_ids, user__groups__name=group).values_list(
                    "pk", flat=True
                )
            )
            pools[role] = holders or volunteer_ids
        shifts, assignments = [], []
        day = first_day
        while day <= last_day:
            for begin in (8, 16):
                starts = datetime.combine(day, time(begin), tzinfo=self.zone).astimezone(UTC)
                ends = datetime.combine(day, time(begin), tzinfo=self.zone) + timedelta(hours=8)
                for role, people in ((ShiftRole.DISPATCHER, 1), (ShiftRole.RESPONDER, 2)):
                    shift_id = writer.new_id(Shift)
                    shifts.append(
                        {
                            "id": shift_id,
                            "role": role,
                            "starts_at": starts,
                            "ends_at": ends.astimezone(UTC),
                            "capacity": people + 1,
                            "minimum_staffing": people,
                            "created_by_id": self.by_id,
                        }
                    )
                    staffed = people if rng.random() < 0.9 else people - 1
                    pool = pools[role]
                    for volunteer_id in rng.sample(pool, min(staffed, len(pool))):
                        status = ShiftAssignment.Status.BOOKED
                        if ends < self.now:
                            attended = rng.random() < 0.95
                            status = (
                                ShiftAssignment.Status.ATTENDED
                                if attended
                                else ShiftAssignment.Status.NO_SHOW
                            )
                        assignments.append(
                            {
                                "id": writer.new_id(ShiftAssignment),
                                "shift_id": shift_id,
                                "volunteer_id": volunteer_id,
                                "status": status,
                            }
                        )
            day += timedelta(days=1)
        with transaction.atomic():
            writer.write(Shift, shifts)
            writer.write(ShiftAssignment, assignments)
        return len(shifts)


def synthesize(
    *,
    contacts: int,
    first_day: date,
    last_day: date,
    by,
    seed: int = 8,
    sid_prefix: str = "CAsyn",
    chunk_size: int = 10_000,
    volunteers: list[Volunteer] | None = None,
    now: datetime | None = None,
) -> Synthesized:
    """Invent `contacts` contacts between two local dates (none after `now`), opened and
    triaged by `by`; given volunteers, staffed shifts over the same days."""
    now = now or timezone.now()
    maker = _Maker(first_day=first_day, last_day=last_day, seed=seed, sid_prefix=sid_prefix, by=by, now=now)
    rng = maker.rng
    # Most numbers call once; a few call again and again.
    regulars = [f"+1303555{n:04d}" for n in range(max(3, contacts // 200))]
    others = [f"+1720{n:07d}" for n in range(max(10, contacts))]
    result = Synthesized()
    done = 0
    while done < contacts:
        count = min(chunk_size, contacts - done)
        callers = [rng.choice(regulars) if rng.random() < 0.15 else rng.choice(others) for _ in range(count)]
        maker.chunk(count, callers, result)
        done += count
    if volunteers:
        result.shifts = maker.staff(
            volunteer_ids=[volunteer.pk for volunteer in volunteers], first_day=first_day, last_day=last_day
        )
    maker.writer.finish()
    return result
