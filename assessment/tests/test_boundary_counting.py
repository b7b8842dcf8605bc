"""Boundaries and the map grid are counted by a Celery task sent on commit, never in a request:
the states the page shows, failure and retry, a dead worker's count, access, a real worker."""

import json
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessment import map_counting, map_jobs, map_services
from assessment.map_models import (
    CfsBoundary,
    CfsBoundaryPeriodCount,
    CfsBoundarySlotCount,
    CfsCellCount,
    CfsGrid,
    CfsPilotArea,
    CountState,
)
from assessment.models import CfsCallType, Divertibility
from assessment.tests.factories import write_csv
from assessment.tests.map_helpers import counted_boundary
from assessment.tests.test_map_and_pilot_area import INSIDE_LINES, MULTI, ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(tmp_path, import_csv):
    made = import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset
    CfsCallType.objects.filter(key__contains="WELFARE").update(divertibility=Divertibility.DIVERTIBLE)
    return made


def _upload(client, dataset, name="Near west"):
    upload = SimpleUploadedFile("pilot.geojson", json.dumps(MULTI).encode(), "application/geo+json")
    return client.post(
        reverse("assessment:cfs_boundary_upload", args=[dataset.pk]), {"name": name, "file": upload}
    )


def _page(client, dataset):
    return client.get(reverse("assessment:cfs_analysis", args=[dataset.pk]))


def _stale(at_least=timedelta(hours=3)):
    return timezone.now() - at_least


# --------------------------------------------------------------------------------------------
# The upload queues the count; the page waits for it


def test_the_upload_queues_the_count_and_the_page_applies_it_once_counted(
    client, coordinator, dataset, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks() as sent:
        response = _upload(client, dataset)
    assert response.status_code == 302
    boundary = CfsBoundary.objects.get()
    assert boundary.count_state == CountState.QUEUED and not boundary.period_counts.exists()
    assert len(sent) == 1  # the task, sent after commit only
    assert CfsPilotArea.objects.get(dataset=dataset).boundary == boundary  # chosen, waiting

    page = _page(client, dataset)
    text = page.content.decode()
    assert "is waiting to be counted" in text and "chosen but not applied yet" in text
    assert f'hx-get="{reverse("assessment:cfs_boundary_count", args=[boundary.pk])}"' in text
    assert page.context["analysis"]["all_calls"] == len(ROWS) - 1  # every call: not applied yet
    assert page.context["area_filter"].boundary is None

    sent[0]()  # the worker's turn (eager)
    boundary.refresh_from_db()
    assert boundary.is_counted and boundary.calls_inside == INSIDE_LINES and boundary.computed_at
    page = _page(client, dataset)
    assert page.context["analysis"]["all_calls"] == INSIDE_LINES
    assert "inside the boundary Near west" in page.content.decode()


def test_without_a_broker_the_upload_is_counted_when_it_commits(
    transactional_db, client, coordinator, tmp_path, import_csv
):
    """Development and tests run Celery eagerly: the task runs as the upload commits (really
    committed here, not captured), and the page it redirects to applies the boundary."""
    dataset = import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset
    client.force_login(coordinator)
    response = _upload(client, dataset)
    assert response.status_code == 302
    boundary = CfsBoundary.objects.get()
    assert boundary.is_counted and boundary.calls_inside == INSIDE_LINES
    page = client.get(response["Location"])
    assert page.context["analysis"]["all_calls"] == INSIDE_LINES
    assert page.context["map"] is not None  # the grid too, queued and counted by the first view


def test_counting_state_is_shown_with_its_start(client, coordinator, dataset):
    boundary = CfsBoundary.objects.create(
        dataset=dataset,
        name="Slow",
        polygons=MULTI["coordinates"],
        count_state=CountState.COUNTING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    CfsPilotArea.objects.create(dataset=dataset, boundary=boundary)
    client.force_login(coordinator)
    text = _page(client, dataset).content.decode()
    assert "Counting the calls inside the boundary Slow (mke), started at" in text
    assert "Count it again" not in text


def test_a_boundary_still_counting_may_be_chosen_and_waits(client, coordinator, dataset):
    boundary = CfsBoundary.objects.create(dataset=dataset, name="Later", polygons=MULTI["coordinates"])
    client.force_login(coordinator)
    page = _page(client, dataset).content.decode()
    assert "Later (being counted)" in page  # said in the list of boundaries
    response = client.post(reverse("assessment:cfs_pilot_area", args=[dataset.pk]), {"boundary": boundary.pk})
    assert response.status_code == 302
    assert CfsPilotArea.objects.get(dataset=dataset).boundary == boundary
    waiting = _page(client, dataset)
    assert waiting.context["area_filter"].waiting == boundary
    assert waiting.context["analysis"]["all_calls"] == len(ROWS) - 1
    assert map_jobs.boundary_count_run(boundary_id=boundary.pk)
    assert _page(client, dataset).context["analysis"]["all_calls"] == INSIDE_LINES


def test_the_status_fragment_polls_while_counting_then_reloads_the_page(client, coordinator, dataset):
    boundary = CfsBoundary.objects.create(dataset=dataset, name="Poll", polygons=MULTI["coordinates"])
    url = reverse("assessment:cfs_boundary_count", args=[boundary.pk])
    client.force_login(coordinator)
    pending = client.get(url, headers={"HX-Request": "true"})
    assert pending.status_code == 200 and "HX-Refresh" not in pending
    assert 'hx-trigger="every 2s"' in pending.content.decode()
    map_jobs.boundary_count_run(boundary_id=boundary.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_a_redelivered_task_counts_nothing_twice(dataset):
    boundary = counted_boundary(dataset, MULTI)
    before = sorted(CfsBoundarySlotCount.objects.filter(boundary=boundary).values_list("calls", flat=True))
    assert map_jobs.boundary_count_run(boundary_id=boundary.pk) is False
    after = sorted(CfsBoundarySlotCount.objects.filter(boundary=boundary).values_list("calls", flat=True))
    assert after == before


# --------------------------------------------------------------------------------------------
# Failure, a dead worker, retry


def _failing_after_writing(monkeypatch):
    """The count writes its rows, then fails: nothing of it may remain."""
    real = map_counting.boundary_materialise

    def fail(boundary):
        real(boundary)
        assert CfsBoundaryPeriodCount.objects.filter(boundary=boundary).exists()
        raise RuntimeError("disk full")

    monkeypatch.setattr(map_counting, "boundary_materialise", fail)


def test_a_failed_count_stores_nothing_and_offers_a_retry(
    client, coordinator, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    _failing_after_writing(monkeypatch)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, dataset)
    boundary = CfsBoundary.objects.get()
    assert boundary.count_state == CountState.FAILED and "internal error" in boundary.error
    assert not CfsBoundaryPeriodCount.objects.filter(boundary=boundary).exists()
    assert not CfsBoundarySlotCount.objects.filter(boundary=boundary).exists()
    page = _page(client, dataset)
    text = page.content.decode()
    assert "is not counted" in text and "internal error" in text and "Count it again" in text
    assert page.context["analysis"]["all_calls"] == len(ROWS) - 1

    monkeypatch.undo()
    retry = reverse("assessment:cfs_boundary_count_retry", args=[boundary.pk])
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post(retry, {"next": "https://evil.example/"})
    assert len(sent) == 1
    assert response.status_code == 302 and response["Location"] == dataset.get_absolute_url()
    boundary.refresh_from_db()
    assert boundary.is_counted and boundary.calls_inside == INSIDE_LINES and boundary.error == ""
    # A counted boundary is not counted again.
    with django_capture_on_commit_callbacks() as sent:
        client.post(retry)
    assert sent == []


def test_a_dead_workers_count_is_failed_by_the_sweep(client, coordinator, dataset):
    dead = CfsBoundary.objects.create(
        dataset=dataset,
        name="Dead",
        polygons=MULTI["coordinates"],
        count_state=CountState.COUNTING,
        owner="dead-worker",
        started_at=_stale(),
        heartbeat_at=_stale(),
    )
    alive = CfsBoundary.objects.create(
        dataset=dataset,
        name="Alive",
        polygons=MULTI["coordinates"],
        count_state=CountState.COUNTING,
        owner="live-worker",
        started_at=_stale(),
        heartbeat_at=timezone.now() - timedelta(seconds=5),
    )
    CfsPilotArea.objects.create(dataset=dataset, boundary=dead)
    client.force_login(coordinator)
    # Shown as failed, with a retry, even before the sweep passes.
    text = _page(client, dataset).content.decode()
    assert "The worker counting it stopped" in text and "Count it again" in text
    assert map_jobs.map_counts_fail_dead() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.count_state == CountState.FAILED and "heartbeat" in dead.error
    assert alive.count_state == CountState.COUNTING
    assert map_jobs.boundary_count_retry(boundary=dead)
    assert map_jobs.boundary_count_retry(boundary=alive) is False  # alive: not taken from its worker


def test_a_count_failed_by_the_sweep_while_it_ran_is_rolled_back(dataset, monkeypatch):
    boundary = CfsBoundary.objects.create(dataset=dataset, name="Late", polygons=MULTI["coordinates"])
    real_heartbeat = map_jobs._Heartbeat

    def swept_once_claimed(**kwargs):
        # The sweep (another process) fails the count after the claim, before it commits.
        CfsBoundary.objects.filter(pk=kwargs["pk"]).update(count_state=CountState.FAILED, error="swept")
        return real_heartbeat(**kwargs)

    monkeypatch.setattr(map_jobs, "_Heartbeat", swept_once_claimed)
    map_jobs.boundary_count_run(boundary_id=boundary.pk)
    boundary.refresh_from_db()
    assert boundary.count_state == CountState.FAILED and boundary.error == "swept"
    assert not CfsBoundaryPeriodCount.objects.filter(boundary=boundary).exists()  # rolled back


def test_the_sweep_runs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["assessment-cfs-dead-map-counts"]
    assert entry == {"task": "assessment.tasks.cfs_map_counts_fail_dead", "schedule": 60.0}


# --------------------------------------------------------------------------------------------
# The map grid


def test_the_first_view_queues_the_grid_instead_of_counting_it(
    client, coordinator, dataset, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks() as sent:
        page = _page(client, dataset)
    assert len(sent) == 1
    assert CfsGrid.objects.get(dataset=dataset).count_state == CountState.QUEUED
    assert not CfsCellCount.objects.filter(dataset=dataset).exists()  # not counted in the request
    assert page.context["map"] is None and "The map is being prepared" in page.content.decode()
    with django_capture_on_commit_callbacks() as again:
        _page(client, dataset)
    assert again == []  # queued once
    sent[0]()
    page = _page(client, dataset)
    assert page.context["map"].located_calls == 6 and 'id="cfs-map-data"' in page.content.decode()


def test_a_failed_grid_offers_to_prepare_the_map_again(
    client, coordinator, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    def fail(dataset):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(map_counting, "grid_count", fail)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        _page(client, dataset)
    grid = CfsGrid.objects.get(dataset=dataset)
    assert grid.count_state == CountState.FAILED
    text = _page(client, dataset).content.decode()
    assert "The map could not be prepared" in text and "Prepare the map again" in text
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:cfs_map_count_retry", args=[dataset.pk]))
    assert response.status_code == 302
    grid.refresh_from_db()
    assert grid.is_counted and grid.located_calls == 6


def test_grid_ensure_counts_at_once_for_the_import_worker(dataset):
    grid = map_services.grid_ensure(dataset)
    assert grid.is_counted and grid.located_calls == 6
    assert map_services.grid_ensure(dataset).computed_at == grid.computed_at  # once


# --------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("role_fixture", ["volunteer_user", "responder", "dispatcher"])
def test_only_coordinators_follow_or_retry_counts(client, dataset, role_fixture, request):
    boundary = CfsBoundary.objects.create(
        dataset=dataset, name="x", polygons=MULTI["coordinates"], count_state=CountState.FAILED
    )
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(reverse("assessment:cfs_boundary_count", args=[boundary.pk])).status_code == 403
    assert client.post(reverse("assessment:cfs_boundary_count_retry", args=[boundary.pk])).status_code == 403
    assert client.post(reverse("assessment:cfs_map_count_retry", args=[dataset.pk])).status_code == 403
    boundary.refresh_from_db()
    assert boundary.count_state == CountState.FAILED
    assert not CfsGrid.objects.exists()


# --------------------------------------------------------------------------------------------
# A real worker


@pytest.mark.worker
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database")
def test_a_real_worker_counts_the_boundary(transactional_db, celery_worker_process, tmp_path, import_csv):
    dataset = import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset
    boundary = map_jobs.boundary_create(  # autocommit: the task is sent at once
        dataset=dataset, name="Worker", polygons=map_services.geojson_polygons(json.dumps(MULTI)), user=None
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        boundary.refresh_from_db()
        if not boundary.is_pending:
            break
        time.sleep(0.25)
    assert boundary.is_counted, boundary.error
    assert boundary.calls_inside == INSIDE_LINES
    assert boundary.owner  # claimed by the worker's token
