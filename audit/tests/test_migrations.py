"""The intake-view log of the dispatch app is carried into the audit trail, row for row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

# assessment's police-time settings (0009) point at dispatch's call types: it goes back with dispatch.
ROLLED_BACK = {
    "audit": "0001_audit_trail",
    "dispatch": "0002_seed_call_types_and_protocol",
    "assessment": "0008_cfs_import_jobs_owned_by_a_heartbeat",
}


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def before():
    """Every app at its latest migration but audit and dispatch, back before the move."""
    return [(app, ROLLED_BACK.get(app, name)) for app, name in leaf_nodes()]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_intake_views_become_audit_entries():
    old = migrate(before())
    user = old.get_model("auth", "User").objects.create(username="viewer")
    intake = old.get_model("hotline", "Intake").objects.create(channel="voice", caller="+12025550143")
    seen = timezone.now() - timedelta(days=3)
    IntakeView = old.get_model("dispatch", "IntakeView")
    IntakeView.objects.create(
        intake=intake, user=user, viewed_at=seen, path=f"/dispatch/intakes/{intake.pk}/"
    )
    IntakeView.objects.create(intake=intake, user=user, viewed_at=seen + timedelta(minutes=5), path="")

    new = migrate(leaf_nodes())
    entries = new.get_model("audit", "AuditEntry").objects.order_by("at")
    assert [(e.actor_id, e.action, e.subject, e.object_id, e.at) for e in entries] == [
        (user.pk, "viewed", "hotline.intake", intake.pk, seen),
        (user.pk, "viewed", "hotline.intake", intake.pk, seen + timedelta(minutes=5)),
    ]
    targets = new.get_model("audit", "AuditTarget").objects.all()
    assert sorted((t.entry_id, t.object_id) for t in targets) == sorted((e.pk, intake.pk) for e in entries)
    assert "dispatch_intakeview" not in connection.introspection.table_names()


def test_stored_responder_links_lose_their_token():
    old = migrate([(app, "0002_copy_intake_views" if app == "audit" else name) for app, name in leaf_nodes()])
    user = old.get_model("auth", "User").objects.create(username="responder-x")
    AuditEntry = old.get_model("audit", "AuditEntry")
    paths = ["/dispatch/r/abc.DEF-123:xyz/", "/dispatch/r/abc.DEF-123:xyz/act/", "/dispatch/incidents/4/"]
    for path in paths:
        AuditEntry.objects.create(
            actor=user, action="viewed", what="responder page", subject="dispatch.incident", path=path
        )

    new = migrate(leaf_nodes())
    stored = new.get_model("audit", "AuditEntry").objects.order_by("pk").values_list("path", flat=True)
    assert list(stored) == ["/dispatch/r/[token]/", "/dispatch/r/[token]/act/", "/dispatch/incidents/4/"]
