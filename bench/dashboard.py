"""Benchmark: the pilot dashboard over 100,000 contacts, against the same aggregates as raw SQL.

Creates its own PostgreSQL database (`hotline_bench_dash`), migrates it, and invents a
92-day pilot: 100,000 contacts with their calls, callbacks, triage, incidents, timelines and
referrals, plus staffed shifts (assessment.pilot.synthetic, bulk inserts). Then, in the same
run:

1. renders `/assessment/` through Django's test client as a coordinator, several times
   (median), with every query it makes;
2. runs hand-written SQL computing the same aggregates (the baseline), several times (median);
3. checks that both agree on the headline figures.

Target: the page in under 1 second. The last line printed is one JSON object.

    .venv/bin/python bench/dashboard.py [--contacts N] [--runs N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "hotline_bench_dash"
TARGET_MS = 1000.0
PILOT_DAYS = 92


def log(message: str) -> None:
    print(message, flush=True)


def admin(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def admin_database(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def build(contacts: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from assessment.pilot.services import HoursInput, pilot_settings_save
    from assessment.pilot.synthetic import synthesize
    from outreach.models import Partner
    from volunteers.models import Area, Volunteer
    from volunteers.tests.factories import UserFactory

    # Invented users need no slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.1f} s")
    coordinator = UserFactory(username="bench-coordinator", roles=("Coordinator",))
    dispatcher = UserFactory(username="bench-dispatcher", roles=("Dispatcher", "Volunteer"))
    areas = [
        Area.objects.get_or_create(slug=f"district-{n}", defaults={"name": f"District {n}"})[0]
        for n in range(1, 9)
    ]
    for n in range(1, 11):
        Partner.objects.get_or_create(name=f"Partner service {n}")
    volunteers = []
    for n in range(60):
        # A third dispatchers, the others responders.
        role = "Dispatcher" if n % 3 == 0 else "Responder"
        user = UserFactory(username=f"bench-volunteer-{n}", roles=("Volunteer", role))
        volunteers.append(
            Volunteer.objects.create(
                user=user,
                first_name=f"Volunteer{n}",
                last_name="Bench",
                phone=f"+1202555{7000 + n:04d}",
                email=f"bench{n}@example.org",
                status=Volunteer.Status.ACTIVE,
            )
        )
    today = timezone.localdate()
    last_day = today - timedelta(days=1)
    first_day = last_day - timedelta(days=PILOT_DAYS - 1)
    pilot_settings_save(
        name="Benchmark pilot",
        starts_on=first_day,
        ends_on=last_day,
        service_areas=areas[:6],
        min_dispatchers=1,
        min_responders=2,
        # 08:00 to midnight every day (a closing time at the opening's or earlier runs past midnight).
        hours=[HoursInput(weekday=day, opens=clock(8), closes=clock(0)) for day in range(7)],
    )
    started = time.perf_counter()
    result = synthesize(
        contacts=contacts, first_day=first_day, last_day=last_day, by=dispatcher, volunteers=volunteers
    )
    seconds = time.perf_counter() - started
    log(
        f"inserted {result.contacts:,} contacts, {result.calls:,} calls, {result.triages:,} triages, "
        f"{result.incidents:,} incidents, {result.events:,} events, {result.referrals:,} referrals, "
        f"{result.shifts:,} shifts in {seconds:.1f} s"
    )
    admin_vacuum()
    return {"coordinator": coordinator.pk, "first_day": first_day, "last_day": last_day, "insert_s": seconds}


def admin_vacuum() -> None:
    """What autovacuum would have done to a settled database: statistics and visibility maps."""
    admin_database("VACUUM ANALYZE")


def coordinator_client(coordinator_id: int):
    """A test client signed in as the coordinator (with a verified second factor when the
    project asks for one), the page warmed up; and the number of queries the page makes."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    client = Client()
    coordinator = get_user_model().objects.get(pk=coordinator_id)
    client.force_login(coordinator)
    if apps.is_installed("django_otp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=coordinator, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    response = client.get("/assessment/")  # warm-up: templates compiled, connection open
    assert response.status_code == 200, response.status_code
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # Counted on one connection: queries run by other threads would escape the wrapper.
    with override_settings(PILOT_DASHBOARD_QUERY_THREADS=1), connection.execute_wrapper(count):
        client.get("/assessment/")
    return client, len(executed), response.context["metrics"]


def page_once(client) -> float:
    started = time.perf_counter()
    response = client.get("/assessment/")
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    return elapsed


# The same aggregates, written by hand. %(start)s / %(end)s: the period's instants (UTC).
RAW_SQL = {
    # Channels, decisions, call types, areas, outcomes and the police share: one grouped pass.
    "slices": """
        SELECT i.channel, i.source, t.decision, t.call_type_id, coalesce(t.area_id, i.area_id) AS area,
               inc.status, inc.outcome,
               GROUPING(i.channel, i.source, t.decision, t.call_type_id, coalesce(t.area_id, i.area_id),
                        inc.status, inc.outcome),
               count(*)
        FROM hotline_intake i
        LEFT JOIN dispatch_triage t ON t.intake_id = i.id
        LEFT JOIN dispatch_incident inc ON inc.triage_id = t.id
        WHERE i.created_at >= %(start)s AND i.created_at < %(end)s
        GROUP BY GROUPING SETS ((i.channel), (i.source, t.decision, inc.status, inc.outcome),
                                (t.decision, t.call_type_id, inc.status, inc.outcome),
                                (coalesce(t.area_id, i.area_id)))""",
    # The key figures by source: the time to answer of the calls (the incidents' are in the chain).
    "answer_by_source": """
        SELECT i.source, count(*),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', c.answered_at - c.started_at))
        FROM hotline_call c JOIN hotline_intake i ON i.call_id = c.id
        WHERE c.direction = 'inbound' AND c.outcome = 'answered' AND c.answered_at IS NOT NULL
          AND c.started_at >= %(start)s AND c.started_at < %(end)s
        GROUP BY i.source""",
    "call_type_names": "SELECT id, name_en FROM dispatch_calltype",
    "area_names": "SELECT id, name FROM volunteers_area",
    "answering": """
        SELECT outcome, count(*),
               count(*) FILTER (WHERE outcome = 'answered' AND answered_at - started_at <= interval '15 s'),
               count(*) FILTER (WHERE outcome = 'answered' AND answered_at - started_at <= interval '20 s'),
               count(answered_at) FILTER (WHERE outcome = 'answered'),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', answered_at - started_at))
                   FILTER (WHERE outcome = 'answered' AND answered_at IS NOT NULL)
        FROM hotline_call
        WHERE direction = 'inbound' AND started_at >= %(start)s AND started_at < %(end)s
        GROUP BY outcome""",
    "callbacks": """
        SELECT count(*), count(called_back_at),
               count(*) FILTER (WHERE called_back_at <= left_at + interval '1 hour'),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', called_back_at - left_at))
        FROM (
            SELECT coalesce(c.ended_at, c.started_at) AS left_at,
                   min(o.started_at) FILTER (WHERE o.direction = 'outbound' AND o.started_at >= c.started_at)
                       AS called_back_at
            FROM hotline_call c
            LEFT JOIN hotline_intake i ON i.call_id = c.id
            LEFT JOIN hotline_call o ON o.callback_intake_id = i.id
            WHERE c.direction = 'inbound' AND c.outcome = 'voicemail'
              AND c.started_at >= %(start)s AND c.started_at < %(end)s
            GROUP BY c.id
        ) voicemails""",
    "response_chain": """
        WITH firsts AS (
            SELECT inc.id, i.source, inc.opened_at, t.decided_at, coalesce(c.started_at, i.created_at) AS call_start,
                   min(e.created_at) FILTER (WHERE e.kind = 'accepted') AS acknowledged,
                   min(e.created_at) FILTER (WHERE e.kind = 'en_route') AS en_route,
                   min(e.created_at) FILTER (WHERE e.kind = 'on_scene') AS on_scene,
                   min(e.created_at) FILTER (WHERE e.kind = 'cleared') AS cleared
            FROM dispatch_incident inc
            JOIN dispatch_triage t ON t.id = inc.triage_id
            JOIN hotline_intake i ON i.id = t.intake_id
            LEFT JOIN hotline_call c ON c.id = i.call_id
            LEFT JOIN dispatch_incidentevent e ON e.incident_id = inc.id
            WHERE i.created_at >= %(start)s AND i.created_at < %(end)s
            GROUP BY inc.id, i.source, t.decided_at, c.started_at, i.created_at
        )
        SELECT GROUPING(source), source, count(*),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', decided_at - call_start)),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', acknowledged - opened_at)),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', en_route - opened_at)),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', on_scene - opened_at)),
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', cleared - opened_at))
        FROM firsts GROUP BY GROUPING SETS ((), (source))""",
    "referrals": """
        SELECT p.id, p.name, count(*) FILTER (WHERE r.incident_id IS NULL),
               count(*) FILTER (WHERE r.incident_id IS NOT NULL)
        FROM dispatch_referral r JOIN outreach_partner p ON p.id = r.partner_id
        LEFT JOIN dispatch_triage t ON t.id = r.triage_id LEFT JOIN hotline_intake ti ON ti.id = t.intake_id
        LEFT JOIN dispatch_incident inc ON inc.id = r.incident_id
        LEFT JOIN dispatch_triage it ON it.id = inc.triage_id LEFT JOIN hotline_intake ii ON ii.id = it.intake_id
        WHERE (ti.created_at >= %(start)s AND ti.created_at < %(end)s)
           OR (ii.created_at >= %(start)s AND ii.created_at < %(end)s)
        GROUP BY p.id, p.name""",
    "repeat_callers": """
        SELECT count(*) FILTER (WHERE marked), coalesce(sum(contacts) FILTER (WHERE marked), 0)
        FROM (
            SELECT caller, count(*) AS contacts, bool_or(two_before >= created_at - interval '30 days') AS marked
            FROM (
                SELECT caller, created_at,
                       lag(created_at, 2) OVER (PARTITION BY caller ORDER BY created_at) AS two_before
                FROM hotline_intake
                WHERE created_at >= %(start)s AND created_at < %(end)s AND caller <> ''
            ) ordered
            GROUP BY caller
        ) per_number""",
    # Per hour of absolute time (placed in local weekday and hour by the caller, as the page does).
    "heatmap": """
        SELECT date_bin('1 hour', created_at, TIMESTAMPTZ '2000-01-03 00:00:00+00'), count(*)
        FROM hotline_intake WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1""",
    "roster": """
        SELECT count(DISTINCT v.id), count(DISTINCT v.id) FILTER (WHERE g.name = 'Dispatcher'),
               count(DISTINCT v.id) FILTER (WHERE g.name = 'Responder')
        FROM volunteers_volunteer v LEFT JOIN auth_user_groups ug ON ug.user_id = v.user_id
        LEFT JOIN auth_group g ON g.id = ug.group_id WHERE v.status = 'active'""",
    "served": """
        SELECT s.role, count(DISTINCT a.volunteer_id) FILTER (WHERE a.status = 'attended'),
               count(*) FILTER (WHERE a.status = 'attended'), count(*) FILTER (WHERE a.status = 'no_show'),
               sum(s.ends_at - s.starts_at) FILTER (WHERE a.status = 'attended')
        FROM volunteers_shiftassignment a JOIN volunteers_shift s ON s.id = a.shift_id
        WHERE s.starts_at >= %(start)s AND s.starts_at < %(end)s GROUP BY s.role""",
    "served_total": """
        SELECT count(DISTINCT a.volunteer_id), sum(s.ends_at - s.starts_at)
        FROM volunteers_shiftassignment a JOIN volunteers_shift s ON s.id = a.shift_id
        WHERE s.starts_at >= %(start)s AND s.starts_at < %(end)s AND a.status = 'attended'""",
    "hours": "SELECT weekday, opens, closes FROM hotline_operatinghours ORDER BY weekday, opens",
    "shifts": """
        SELECT s.role, s.starts_at, s.ends_at, count(a.id) FILTER (WHERE a.status IN ('booked', 'attended'))
        FROM volunteers_shift s LEFT JOIN volunteers_shiftassignment a ON a.shift_id = s.id
        WHERE s.starts_at < %(end)s AND s.ends_at > %(start)s GROUP BY s.id""",
    "training": """
        SELECT c.module_id, count(*) FILTER (WHERE c.completed_on BETWEEN %(first_day)s AND %(last_day)s)
        FROM volunteers_trainingcompletion c JOIN volunteers_trainingmodule m ON m.id = c.module_id
        WHERE m.is_active GROUP BY c.module_id""",
}


def raw_sql_results(params: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        results = {}
        for name, sql in RAW_SQL.items():
            cursor.execute(sql, params)
            results[name] = cursor.fetchall()
    return results


def raw_sql_once(params: dict) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in RAW_SQL.values():
            cursor.execute(sql, params)
            cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def check_agreement(metrics, raw: dict) -> list[str]:
    """The page's headline figures equal the hand-written SQL's."""
    # Rows of the (decision, call type, status, outcome) grouping set: channel, source, area left out.
    by_decision = [row for row in raw["slices"] if row[7] == 0b1100100]
    decided = ("phone_support", "send_responders", "refer", "escalate_911", "no_action")
    answering = {row[0]: row for row in raw["answering"]}
    answered = answering.get("answered")
    chain = next(row for row in raw["response_chain"] if row[0] == 1)  # all sources
    pairs = {
        "contacts": (metrics.contacts, sum(row[-1] for row in by_decision)),
        "sent responders": (
            metrics.decisions["send_responders"],
            sum(row[-1] for row in by_decision if row[2] == "send_responders"),
        ),
        "triaged": (metrics.without_police.triaged, sum(row[-1] for row in by_decision if row[2] in decided)),
        "police requested": (
            metrics.without_police.police_requested,
            sum(
                row[-1]
                for row in by_decision
                if row[2] in decided and row[2] != "escalate_911" and row[6] == "police_requested"
            ),
        ),
        "inbound calls": (metrics.answering.calls, sum(row[1] for row in answering.values())),
        "answered within 15 s": (metrics.answering.within[15], answered[2]),
        "median time to answer": (
            round(metrics.answering.time_to_answer.median, 6),
            round(answered[5][0], 6),
        ),
        "voicemails called back": (metrics.callbacks.called_back, raw["callbacks"][0][1]),
        "median time to call back": (
            round(metrics.callbacks.time_to_callback.median, 6),
            round(raw["callbacks"][0][3][0], 6),
        ),
        "incidents": (metrics.chain.incidents, chain[2]),
        "median dispatch to on scene": (
            round(metrics.chain.steps["on_scene"].median, 6),
            round(chain[6][0], 6),
        ),
        "repeat numbers": (metrics.repeat_callers.numbers, raw["repeat_callers"][0][0]),
        "repeat contacts": (metrics.repeat_callers.contacts, raw["repeat_callers"][0][1]),
        "heatmap total": (sum(map(sum, metrics.heatmap)), sum(n for _slot, n in raw["heatmap"])),
    }
    answer_by_source = {row[0]: row for row in raw["answer_by_source"]}
    on_scene_by_source = {row[1]: row[6] for row in raw["response_chain"] if row[0] == 0}
    for row in metrics.by_source:
        answer, scene = answer_by_source.get(row.source), on_scene_by_source.get(row.source)
        pairs[f"{row.source}: answered calls"] = (row.time_to_answer.count, answer[1] if answer else 0)
        pairs[f"{row.source}: median time to answer"] = (
            round(row.time_to_answer.median, 6) if row.time_to_answer.median is not None else None,
            round(answer[2][0], 6) if answer and answer[2][0] is not None else None,
        )
        pairs[f"{row.source}: median dispatch to on scene"] = (
            round(row.on_scene.median, 6) if row.on_scene.median is not None else None,
            round(scene[0], 6) if scene and scene[0] is not None else None,
        )
    pairs["incidents by source"] = (sum(row.incidents for row in metrics.by_source), metrics.chain.incidents)
    return [f"{name}: page {page} != SQL {sql}" for name, (page, sql) in pairs.items() if page != sql]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept by an earlier --keep run")
    options = parser.parse_args()

    if not options.reuse:
        admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django()
        if options.reuse:
            from django.contrib.auth import get_user_model

            from assessment.pilot.selectors import pilot_settings

            pilot = pilot_settings()
            coordinator = get_user_model().objects.get(username="bench-coordinator")
            built = {"coordinator": coordinator.pk, "first_day": pilot.starts_on, "last_day": pilot.ends_on}
        else:
            built = build(options.contacts)
        from assessment.pilot.selectors import Period, local_zone

        period = Period(built["first_day"], built["last_day"])
        client, queries, metrics = coordinator_client(built["coordinator"])
        params = {
            "start": period.start,
            "end": period.end,
            "zone": str(local_zone()),
            "first_day": period.first_day,
            "last_day": period.last_day,
        }
        raw = raw_sql_results(params)  # also the warm-up of the baseline
        problems = check_agreement(metrics, raw)
        # Interleaved, so that both see the same load of a shared machine.
        page_times, sql_times = [], []
        for _ in range(options.runs):
            page_times.append(page_once(client))
            sql_times.append(raw_sql_once(params))
        from django.db import connections

        connections.close_all()
    finally:
        if not (options.keep or options.reuse):
            admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    page_ms = statistics.median(page_times)
    sql_ms = statistics.median(sql_times)
    ratio = page_ms / sql_ms
    log(
        f"dashboard page ({queries} queries): median {page_ms:.0f} ms of {options.runs} runs {[round(t) for t in page_times]}"
    )
    log(
        f"same aggregates as raw SQL ({len(RAW_SQL)} statements): median {sql_ms:.0f} ms {[round(t) for t in sql_times]}"
    )
    log(f"ratio page / raw SQL: {ratio:.2f}; target: page under {TARGET_MS:.0f} ms")
    for problem in problems:
        log(f"MISMATCH {problem}")
    ok = page_ms < TARGET_MS and not problems
    print(
        json.dumps(
            {
                "bench": "dashboard",
                "contacts": metrics.contacts,
                "incidents": metrics.chain.incidents,
                "page_ms": round(page_ms, 1),
                "raw_sql_ms": round(sql_ms, 1),
                "ratio": round(ratio, 2),
                "queries": queries,
                "target_ms": TARGET_MS,
                "figures_agree": not problems,
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
