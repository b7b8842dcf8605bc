"""Counting and reporting: latencies per phase and per kind of request, outbox rows against
the texts the provider got (lost, duplicated), what the web processes logged, and the result
that bench/load.py prints as its last line.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench._load.faults import Faults, mid_send_outcome
from bench._load.setup import Stack, log
from bench._load.traffic import AlarmWatch, Sample

# Status codes each kind of request answers when all is well.
EXPECTED = {
    "voice_incoming": {200},
    "voice_language": {200},
    "voice_status": {204},
    "sms_incoming": {200},
    "responder_reply": {200},
    "queue_poll": {200},
    "claim": {302},
    "intake_page": {200},
    "decide": {302},
    "outcome": {302},
    "close": {302},
    "responder_page": {200},
    "responder_act": {302},
    "responder_sms": {200},
}


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def summarise(samples: list[Sample]) -> dict:
    latencies = sorted(s.ms for s in samples if s.status and s.status < 500)
    errors_5xx = sum(1 for s in samples if s.status >= 500)
    other = sum(1 for s in samples if s.status < 500 and s.status not in EXPECTED.get(s.kind, {200}))
    return {
        "requests": len(samples),
        "errors_5xx": errors_5xx,
        "errors_other": other,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
    }


@dataclass
class TextCount:
    expected: int = 0
    sent: int = 0
    lost: int = 0
    duplicated: int = 0
    statuses: Counter = field(default_factory=Counter)
    # Rows a killed worker left in SENDING (the sweep marks them failed after 300 s, never re-sends).
    stuck: int = 0
    stuck_delivered: int = 0
    # ...of which hotline.messaging had stored no outbound Message yet (it stores one before it
    # calls the provider): those texts provably never left.
    stuck_before_message: int = 0


def count_texts(
    sms_log: Path, boundaries: list[tuple[str, float, float]]
) -> tuple[dict[str, TextCount], int]:
    """Outbox rows against the provider's log, per phase (by the row's creation time)."""
    from dispatch.models import Notification
    from hotline.models import Message

    sends: Counter = Counter()
    if sms_log.exists():
        for line in sms_log.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "sms":
                sends[(record["to"], record["body"])] += 1
    rows: dict[tuple[str, str], list] = defaultdict(list)
    for row in Notification.objects.values("to", "body", "status", "created_at"):
        rows[(row["to"], row["body"])].append(row)
    counts = {name: TextCount() for name, _start, _end in boundaries}
    for key, group in rows.items():
        created = group[0]["created_at"].timestamp()
        name = next((n for n, start, end in boundaries if start <= created < end), boundaries[-1][0])
        count = counts[name]
        count.expected += len(group)
        count.sent += min(len(group), sends[key])
        count.lost += max(0, len(group) - sends[key])
        count.duplicated += max(0, sends[key] - len(group))
        count.statuses.update(row["status"] for row in group)
        stuck = sum(1 for row in group if row["status"] == Notification.Status.SENDING)
        if stuck:
            count.stuck += stuck
            count.stuck_delivered += min(stuck, sends[key])
            stored = Message.objects.filter(
                direction=Message.Direction.OUTBOUND, to_number=key[0], body=key[1]
            )
            count.stuck_before_message += max(0, stuck - stored.count())
    unmatched = sum(n for key, n in sends.items() if key not in rows)
    return counts, unmatched


def count_alarms(
    watch: AlarmWatch,
    sms_log: Path,
    boundaries: list[tuple[str, float, float]],
    poll_interval: float,
    load_end: float,
) -> dict[str, dict]:
    """Per phase (by when the cause happened): alarms the clients' acts must have raised, those
    raised, and the missed ones (target 0):
    - `missing`: a call-out of an untrained type without its "nobody available" alarm, or a
      BACKUP text from a team member of an incident open across the whole request without its
      backup alarm (the alarm is written in the cause's transaction: a fault cannot split them);
    - `unseen`: an alarm no polling console listed before it was acknowledged or resolved (alarms
      resolved faster than two polls, or raised when the consoles had stopped polling at the end
      of the load, are not counted: no console could have seen them);
    - `on_call_lost`: an alarm whose text to the on-call coordinator never reached the provider.
    `seen_ms`: delay from raising to the first console showing it (p50, max)."""
    from dispatch.models import Alarm, Incident, Notification

    sends: Counter = Counter()
    if sms_log.exists():
        for line in sms_log.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "sms":
                sends[(record["to"], record["body"])] += 1

    def phase(at: float) -> str:
        return next((n for n, start, end in boundaries if start <= at < end), boundaries[-1][0])

    result = {
        name: {
            "expected": 0,
            "raised": 0,
            "missing": 0,
            "unseen": 0,
            "on_call_lost": 0,
            "after_load": 0,
            "seen_ms": [],
        }
        for name, _start, _end in boundaries
    }
    alarms = list(Alarm.objects.select_related("incident"))
    kinds = {(a.incident_id, a.kind) for a in alarms}
    for incident_id, at in watch.nobody_free:
        figures = result[phase(at)]
        figures["expected"] += 1
        figures["missing"] += (incident_id, Alarm.Kind.NOBODY_AVAILABLE) not in kinds
    closed = dict(Incident.objects.values_list("code", "closed_at"))
    ids = dict(Incident.objects.values_list("code", "pk"))
    for code, started, ended in watch.backups:
        closed_at = closed.get(code)
        if closed_at is not None and closed_at.timestamp() <= ended:
            continue  # closed before or during the request: no alarm is due
        figures = result[phase(started)]
        figures["expected"] += 1
        figures["missing"] += (ids.get(code), Alarm.Kind.BACKUP) not in kinds
    on_call = defaultdict(list)
    for n in Notification.objects.filter(kind=Notification.Kind.ALARM):
        on_call[n.dedupe_key].append(n)
    for alarm in alarms:
        figures = result[phase(alarm.raised_at.timestamp())]
        figures["raised"] += 1
        seen = watch.seen.get(alarm.pk)
        ended = min(
            (t.timestamp() for t in (alarm.acknowledged_at, alarm.resolved_at) if t is not None), default=None
        )
        raised = alarm.raised_at.timestamp()
        if seen is not None:
            figures["seen_ms"].append(max(0.0, (seen - raised) * 1000))
        elif raised > load_end - 2 * poll_interval:
            figures["after_load"] += 1
        elif ended is None or ended - raised > 2 * poll_interval:
            figures["unseen"] += 1
            shown = f"{ended - raised:.1f} s" if ended is not None else "to the end"
            log(
                f"    unseen alarm {alarm.pk}: {alarm.kind}, raised {load_end - raised:.1f} s before the load ended, open {shown}"
            )
        if alarm.on_call_alerted_at is not None:
            rows = on_call.get(f"alarm:{alarm.pk}:on_call", [])
            figures["on_call_lost"] += not rows or not any(sends[(r.to, r.body)] for r in rows)
    for figures in result.values():
        delays = sorted(figures.pop("seen_ms"))
        figures["seen_p50_ms"] = round(statistics.median(delays), 0) if delays else None
        figures["seen_max_ms"] = round(delays[-1], 0) if delays else None
        figures["missed"] = figures["missing"] + figures["unseen"] + figures["on_call_lost"]
    return result


def count_checkins(watch: AlarmWatch, boundaries: list[tuple[str, float, float]]) -> dict[str, dict]:
    """Per phase (by when the check-in was sent): check-ins the server accepted the request of,
    those recorded on the incident's timeline (a "checked in" event of that responder during the
    request), those refused because the incident was closed meanwhile, and the lost ones
    (target 0): accepted, the incident still open, and no event."""
    from dispatch.models import Incident, IncidentEvent

    def phase(at: float) -> str:
        return next((n for n, start, end in boundaries if start <= at < end), boundaries[-1][0])

    events = defaultdict(list)
    for code, phone, at in IncidentEvent.objects.filter(kind=IncidentEvent.Kind.CHECKED_IN).values_list(
        "incident__code", "volunteer__phone", "created_at"
    ):
        events[(code, str(phone))].append(at.timestamp())
    closed = dict(Incident.objects.values_list("code", "closed_at"))
    result = {
        name: {"sent": 0, "by_text": 0, "recorded": 0, "closed_meanwhile": 0, "lost": 0}
        for name, _start, _end in boundaries
    }
    slack = 1.0  # the web processes' clock against the client's (one machine: well under this)
    for code, phone, started, ended, how in watch.checkins:
        figures = result[phase(started)]
        figures["sent"] += 1
        figures["by_text"] += how == "text"
        if any(started - slack <= at <= ended + slack for at in events.get((code, phone), [])):
            figures["recorded"] += 1
        elif closed.get(code) is not None and closed[code].timestamp() <= ended + slack:
            figures["closed_meanwhile"] += 1
        else:
            figures["lost"] += 1
            log(f"    lost check-in: incident {code}, {phone} by {how}, {ended - started:.1f} s request")
    return result


def outbox_settled() -> bool:
    """Nothing pending and nothing in SENDING: rows a killed worker left mid-send are settled
    by the sweep with the provider (sent, sent again, or failed) after BENCH_STUCK_AFTER."""
    from dispatch.models import Notification

    return not Notification.objects.filter(
        status__in=[Notification.Status.PENDING, Notification.Status.SENDING]
    ).exists()


def report(
    args,
    stack: Stack,
    *,
    samples: list[Sample],
    phase1_start: float,
    phase2_start: float,
    load_end: float,
    faults: Faults,
    drained_in: float,
    opened: list[int],
    crashes: list[str],
    events: list[str],
    watch: AlarmWatch,
) -> dict:
    """Log the figures of the run and return them as one dict (the bench's JSON line)."""
    from django.db import connections

    outage_start, outage_end = faults.outage_start, faults.outage_end
    boundaries = [("steady", phase1_start, phase2_start), ("faults", phase2_start, float("inf"))]
    texts, unmatched = count_texts(stack.sms_log, boundaries)
    alarms = count_alarms(watch, stack.sms_log, boundaries, args.poll_interval, load_end)
    checkins = count_checkins(watch, boundaries)
    settled = mid_send_outcome(faults.killed_mid_send)
    connections.close_all()
    web_log = stack.tail("gunicorn", 10**9)
    degraded = web_log.count("answering with degraded TwiML")
    tracebacks = web_log.count("Traceback")
    # What the web processes could not hand to the down broker (dispatch.services.outbox logs each).
    left_for_sweep = sum(int(n) for n in re.findall(r"(\d+) text\(s\) left for the outbox sweep", web_log))

    phases = {
        "steady": [s for s in samples if s.at < phase2_start],
        "faults": [s for s in samples if s.at >= phase2_start],
    }
    durations = {"steady": phase2_start - phase1_start, "faults": load_end - phase2_start}
    result_phases = {}
    for name, phase_samples in phases.items():
        figures = summarise(phase_samples)
        count = texts[name]
        figures.update(
            {
                "rps": round(figures["requests"] / durations[name], 1),
                "notifications": count.expected,
                "sent": count.sent,
                "lost": count.lost,
                "duplicated": count.duplicated,
                "outbox_status": dict(count.statuses),
                "stuck_sending": count.stuck,
                "stuck_before_message": count.stuck_before_message,
                "alarms": alarms[name],
                "checkins": checkins[name],
            }
        )
        result_phases[name] = figures
        log(
            f"{name}: {figures['requests']} requests in {durations[name]:.0f} s ({figures['rps']} req/s), "
            f"5xx {figures['errors_5xx']}, other errors {figures['errors_other']}, "
            f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; "
            f"notifications expected {count.expected}, sent {count.sent}, lost {count.lost}, "
            f"duplicated {count.duplicated} (outbox rows: {dict(count.statuses)})"
        )
        a = alarms[name]
        log(
            f"    alarms: expected {a['expected']}, raised {a['raised']}, missed {a['missed']} (no alarm "
            f"{a['missing']}, on no console {a['unseen']}, on-call text lost {a['on_call_lost']}); first on a "
            f"console after p50 {a['seen_p50_ms']} ms, max {a['seen_max_ms']} ms; raised after the consoles "
            f"stopped polling {a['after_load']}"
        )
        c = checkins[name]
        log(
            f"    check-ins: sent {c['sent']} ({c['by_text']} by text), recorded {c['recorded']}, "
            f"refused as the incident had closed {c['closed_meanwhile']}, lost {c['lost']}"
        )
        if count.stuck:
            log(
                f"    {count.stuck} row(s) left in SENDING by the killed worker; the provider got "
                f"{count.stuck_delivered} of them, {count.stuck_before_message} died before their outbound "
                f"Message was stored. The sweep settles such rows with the provider after "
                f"DISPATCH_OUTBOX_STUCK_AFTER_SECONDS; rows still SENDING here were not settled in time"
            )
        by_kind = defaultdict(list)
        for sample in phase_samples:
            by_kind[sample.kind].append(sample)
        for kind, kind_samples in sorted(by_kind.items()):
            f = summarise(kind_samples)
            statuses = dict(Counter(s.status for s in kind_samples))
            log(
                f"    {kind:16} n={f['requests']:5} p50 {f['p50_ms']} ms p99 {f['p99_ms']} ms statuses {statuses}"
            )
    outage = summarise([s for s in samples if outage_start <= s.at < outage_end])
    result_phases["faults"]["redis_outage"] = outage
    log(
        f"  of which while Redis was down ({outage_end - outage_start:.0f} s): {outage['requests']} requests, "
        f"5xx {outage['errors_5xx']}, other errors {outage['errors_other']}, p50 {outage['p50_ms']} ms, "
        f"p99 {outage['p99_ms']} ms, max {outage['max_ms']} ms"
    )
    total = summarise(samples)
    for crash in crashes:
        log(f"a load client stopped early: {crash}")
    log(
        f"drain: outbox settled {drained_in:.1f} s after the load (bound {args.drain_seconds:g} s); "
        f"incidents opened {len(opened)}; texts the web could not queue (Redis down) and left to the "
        f"sweep {left_for_sweep}; texts not from an outbox row {unmatched}; "
        f"webhooks answered with degraded TwiML {degraded}; tracebacks in the gunicorn log {tracebacks}"
    )
    log(
        f"killed worker: {settled['rows']} text(s) mid-send; the sweep found {settled['recovered']} at the "
        f"provider (marked sent), sent {settled['resent']} again, failed {settled['failed']}, "
        f"{settled['unsettled']} unsettled"
    )
    return {
        "bench": "load",
        "requests": total["requests"],
        "errors_5xx": total["errors_5xx"],
        "errors_other": total["errors_other"],
        "p50_ms": total["p50_ms"],
        "p99_ms": total["p99_ms"],
        "notifications": sum(c.expected for c in texts.values()),
        "sent": sum(c.sent for c in texts.values()),
        "lost": sum(c.lost for c in texts.values()),
        "duplicated": sum(c.duplicated for c in texts.values()),
        "incidents": len(opened),
        "alarms_raised": sum(a["raised"] for a in alarms.values()),
        "alarms_missed": sum(a["missed"] for a in alarms.values()),
        "checkins": sum(c["sent"] for c in checkins.values()),
        "checkins_lost": sum(c["lost"] for c in checkins.values()),
        "left_for_sweep": left_for_sweep,
        "stuck_sending": sum(c.stuck for c in texts.values()),
        "drain_s": round(drained_in, 1),
        "killed_mid_send": settled,
        "degraded_twiml": degraded,
        "phases": result_phases,
        "faults": events,
    }


def outbox_drain(seconds: float) -> float:
    """Wait (at most `seconds`) for the outbox to settle; returns how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if outbox_settled():
            break
        time.sleep(0.5)
    return time.monotonic() - started
