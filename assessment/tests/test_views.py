"""The 911 data pages: coordinators only, the upload flow, classification, the analysis page."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import CfsCallType, CfsColumnMapping, CfsDataset, CfsImportJob, Divertibility
from assessment.tests.factories import MKE_HEADER, csv_text, mke_row, write_csv

pytestmark = pytest.mark.django_db

ROWS = [MKE_HEADER] + [
    mke_row(1, "2018-05-01 10:10:28", "WELFARE CITIZEN", district="1"),
    mke_row(2, "2018-05-01 11:00:00", "SHOTS FIRED", district="2"),
    mke_row(3, "2018-05-02 12:00:00", "CITIZEN CONTACT", district="-1"),
]


@pytest.fixture
def dataset(tmp_path, import_csv):
    return import_csv(write_csv(tmp_path / "mke.csv", ROWS), dataset_name="mke").dataset


def _urls(dataset) -> list[tuple[str, str]]:
    call_type = CfsCallType.objects.filter(city=dataset.city).first()
    return [
        ("get", reverse("assessment:cfs_index")),
        ("get", reverse("assessment:cfs_upload")),
        ("get", reverse("assessment:cfs_analysis", args=[dataset.pk])),
        ("get", reverse("assessment:cfs_call_types", args=[dataset.city_id])),
        ("get", reverse("assessment:cfs_column_mapping", args=[dataset.city_id])),
        ("post", reverse("assessment:cfs_call_type_update", args=[call_type.pk])),
        ("post", reverse("assessment:cfs_call_types_accept", args=[dataset.city_id])),
        ("post", reverse("assessment:cfs_dataset_delete", args=[dataset.pk])),
    ]


def test_anonymous_users_are_sent_to_log_in(client, dataset):
    for method, url in _urls(dataset):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role_fixture", ["volunteer_user", "responder", "dispatcher"])
def test_only_coordinators_may_use_the_pages(client, dataset, role_fixture, request):
    client.force_login(request.getfixturevalue(role_fixture))
    for method, url in _urls(dataset):
        assert getattr(client, method)(url).status_code == 403, url
    assert CfsDataset.objects.filter(pk=dataset.pk).exists()
    assert not CfsCallType.objects.filter(reviewed=True).exists()


def test_coordinator_sees_the_pages(client, coordinator, dataset):
    client.force_login(coordinator)
    for method, url in _urls(dataset)[:5]:
        assert getattr(client, method)(url).status_code == 200, url
    index = client.get(reverse("assessment:cfs_index")).content.decode()
    assert "mke" in index
    nav = client.get(reverse("assessment:dashboard")).content.decode()
    assert reverse("assessment:cfs_index") in nav


def test_analysis_page_shows_numbers_tables_and_charts(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk]))
    page = response.content.decode()
    assert response.context["analysis"]["summary"].split[Divertibility.DIVERTIBLE] == 1
    assert "33.3 %" in page  # one divertible call of three
    assert "WELFARE CITIZEN" in page
    assert 'id="cfs-chart-data"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert 'data-chart="categories"' in page
    assert response.context["coverage"].divertible_share == 1.0  # 10:00 on a Tuesday is in 10-21


def test_coverage_planner_answers_htmx_with_the_partial(client, coordinator, dataset):
    client.force_login(coordinator)
    url = reverse("assessment:cfs_analysis", args=[dataset.pk])
    response = client.get(
        url,
        {"planner": "1", "days": ["1"], "hours": ["11"], "minutes_per_call": "30"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="coverage-result",
    )
    assert response.status_code == 200
    assert response.templates[0].name == "assessment/cfs/_coverage.html"
    coverage = response.context["coverage"]
    assert (coverage.days, coverage.hours, coverage.covered[Divertibility.DIVERTIBLE]) == ([1], [11], 0)
    for wrong in (
        {"days": ["9"], "hours": ["11"]},
        {"hours": ["11"]},
        {"days": ["1"], "minutes_per_call": "1"},
    ):
        bad = client.get(
            url,
            {"planner": "1", "minutes_per_call": "30", **wrong},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="coverage-result",
        )
        assert bad.status_code == 400, wrong
    page = client.get(url, {"planner": "1", "hours": ["11"], "minutes_per_call": "30"})
    assert page.status_code == 400  # no day ticked: the planner says so, the page still shows
    assert page.context["coverage"] is None
    assert "Choose at least one day" in page.content.decode()


def test_upload_flow_imports_in_a_task(
    client, coordinator, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # large-upload path: Django writes a temporary file
    client.force_login(coordinator)
    upload = SimpleUploadedFile("mke.csv", csv_text(ROWS).encode())
    response = client.post(
        reverse("assessment:cfs_upload"),
        {"file": upload, "dataset_name": "web", "city": "", "preset": "auto", "timezone": ""},
    )
    job = CfsImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == CfsImportJob.Status.AWAITING_MAPPING
    assert job.mapping_source == "preset:milwaukee"
    assert job.headers == MKE_HEADER
    assert job.sample_rows[0][6] == "WELFARE CITIZEN"
    stored = Path(job.upload_path)
    assert stored.exists() and stored.parent == tmp_path / "uploads"

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert page.context["form"].initial["column_received"] == "time"

    mapping = {f"column_{name}": header for name, header in job.column_mapping.items()}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(job.get_absolute_url(), {**mapping, "save_mapping": "on"})
    assert response.status_code == 302
    # One task enqueued (the import it runs adds its own: fresh statistics for the aggregates).
    assert [getattr(c, "func", c).__name__ for c in callbacks] == ["_enqueue", "_analyze_aggregates"]
    job.refresh_from_db()
    assert job.status == CfsImportJob.Status.SUCCEEDED, job.error
    assert (job.rows_imported, job.bad_row_count) == (3, 0)
    assert job.dataset.name == "web"
    assert job.task_id
    assert not stored.exists()  # removed once imported
    assert CfsColumnMapping.objects.get(city__name="Milwaukee").columns["received"] == "time"
    progress = client.get(reverse("assessment:cfs_job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in progress  # finished: polling stops
    assert job.dataset.get_absolute_url() in progress


def test_progress_partial_polls_while_running(client, coordinator):
    job = CfsImportJob.objects.create(
        upload_path="/nonexistent",
        original_name="x.csv",
        dataset_name="x",
        city_name="X",
        status=CfsImportJob.Status.RUNNING,
        bytes_total=1000,
        bytes_done=500,
        rows_done=1234,
    )
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="45"' in page
    assert "1234 rows read" in page


def test_upload_of_a_file_without_required_columns_is_refused(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(coordinator)
    upload = SimpleUploadedFile("x.csv", b"Incident,Officer\r\n1,Smith\r\n")
    response = client.post(
        reverse("assessment:cfs_upload"), {"file": upload, "dataset_name": "x", "preset": "seattle"}
    )
    assert response.status_code == 400
    assert "Headers in the file: &quot;Incident&quot;, &quot;Officer&quot;" in response.content.decode()
    assert not CfsImportJob.objects.exists()
    assert list((tmp_path / "uploads").iterdir()) == []


def test_upload_with_unknown_headers_asks_for_the_columns(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(coordinator)
    upload = SimpleUploadedFile("x.csv", b"stamp,kind\r\n2020-01-01 00:00:00,NOISE\r\n")
    response = client.post(
        reverse("assessment:cfs_upload"), {"file": upload, "dataset_name": "x", "preset": "auto"}
    )
    job = CfsImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert 'Headers in the file: "stamp", "kind"' in job.mapping_notes[0]
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Headers in the file: &quot;stamp&quot;, &quot;kind&quot;" in page


def test_upload_refuses_spreadsheets_and_taken_names(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.post(
        reverse("assessment:cfs_upload"),
        {"file": SimpleUploadedFile("calls.xlsx", b"PK\x03\x04"), "dataset_name": "mke", "preset": "auto"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "file" in errors and "dataset_name" in errors
    assert not CfsImportJob.objects.exists()


def test_mapping_without_required_columns_is_refused(client, coordinator, settings, tmp_path):
    settings.CFS_UPLOAD_DIR = tmp_path
    path = write_csv(tmp_path / "up.csv", ROWS)
    job = CfsImportJob.objects.create(
        upload_path=str(path),
        original_name="up.csv",
        dataset_name="x",
        city_name="X",
        headers=MKE_HEADER,
        column_mapping={"received": "time", "description": "nature"},
    )
    client.force_login(coordinator)
    response = client.post(job.get_absolute_url(), {"column_received": "time", "column_description": ""})
    assert response.status_code == 400
    job.refresh_from_db()
    assert job.status == CfsImportJob.Status.AWAITING_MAPPING


def test_classifying_a_call_type_with_htmx(client, coordinator, dataset):
    client.force_login(coordinator)
    trouble = CfsCallType.objects.get(key="CITIZEN CONTACT")
    assert trouble.divertibility == Divertibility.UNCLASSIFIED
    url = reverse("assessment:cfs_call_type_update", args=[trouble.pk])
    prefix = f"t{trouble.pk}"
    response = client.post(
        url,
        {f"{prefix}-category": "", f"{prefix}-divertibility": "maybe", "calls": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="ct-{trouble.pk}"' in response.content.decode()
    trouble.refresh_from_db()
    assert (trouble.divertibility, trouble.reviewed, trouble.reviewed_by) == (
        Divertibility.MAYBE,
        True,
        coordinator,
    )

    refused = client.post(url, {f"{prefix}-divertibility": "unclassified"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    trouble.refresh_from_db()
    assert trouble.divertibility == Divertibility.MAYBE


def test_accepting_every_suggestion(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.post(reverse("assessment:cfs_call_types_accept", args=[dataset.city_id]))
    assert response.status_code == 302
    assert set(CfsCallType.objects.filter(reviewed=True).values_list("key", flat=True)) == {
        "WELFARE CITIZEN",
        "SHOTS FIRED",
    }
    assert CfsCallType.objects.get(key="CITIZEN CONTACT").reviewed is False  # no suggestion to accept


def test_call_types_page_lists_counts_and_filters(client, coordinator, dataset):
    client.force_login(coordinator)
    url = reverse("assessment:cfs_call_types", args=[dataset.city_id])
    response = client.get(url, {"dataset": dataset.pk, "show": "unreviewed"})
    rows = response.context["rows"]
    assert {(call_type.key, call_type.calls) for call_type, _form in rows} == {
        ("WELFARE CITIZEN", 1),
        ("SHOTS FIRED", 1),
        ("CITIZEN CONTACT", 1),
    }
    assert "keyword rule: welfare check" in response.content.decode()


def test_saving_a_column_mapping(client, coordinator, dataset):
    client.force_login(coordinator)
    url = reverse("assessment:cfs_column_mapping", args=[dataset.city_id])
    refused = client.post(url, {"timezone": "America/Chicago", "column_received": "time"})
    assert refused.status_code == 400
    bad_zone = client.post(
        url, {"timezone": "Mars/Olympus", "column_received": "t", "column_description": "d"}
    )
    assert bad_zone.status_code == 400
    saved = client.post(
        url, {"timezone": "America/Chicago", "column_received": "when", "column_description": "what"}
    )
    assert saved.status_code == 302
    assert CfsColumnMapping.objects.get(city=dataset.city).columns == {
        "received": "when",
        "description": "what",
    }


def test_deleting_a_dataset(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.post(reverse("assessment:cfs_dataset_delete", args=[dataset.pk]))
    assert response.status_code == 302
    assert not CfsDataset.objects.exists()
    from assessment.models import CfsCall, CfsSlotCount

    assert not CfsCall.objects.exists()
    assert not CfsSlotCount.objects.exists()
