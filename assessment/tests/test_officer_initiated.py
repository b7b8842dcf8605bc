"""Officer-initiated activity apart from public-generated calls: from a call-source column when
the export has one, else from the call type (rules a coordinator can overrule); every share of
the analysis over public-generated calls; classification coverage of a real city's calls."""

import pytest
from django.urls import reverse

from assessment import selectors
from assessment.models import CallSource, CfsCall, CfsCallType, Divertibility
from assessment.services import cfs_call_type_classify, cfs_call_types_suggest
from assessment.tests.factories import MILWAUKEE, MKE_HEADER, mke_row, write_csv

pytestmark = pytest.mark.django_db


def _mke(tmp_path, natures: list[str]):
    rows = [MKE_HEADER] + [
        mke_row(i, f"2018-05-0{1 + i % 7} {10 + i % 12:02d}:00:00", nature, district=str(1 + i % 3))
        for i, nature in enumerate(natures, start=1)
    ]
    return write_csv(tmp_path / "mke.csv", rows)


def test_officer_initiated_call_types_are_counted_apart(tmp_path, import_csv):
    natures = (
        ["TRAFFIC STOP"] * 5 + ["PATROL"] * 3 + ["WELFARE CITIZEN"] * 4 + ["SHOTS FIRED"] * 2 + ["XYZZY"]
    )
    dataset = import_csv(_mke(tmp_path, natures), preset="milwaukee").dataset
    stop = CfsCallType.objects.get(key="TRAFFIC STOP")
    assert (stop.officer_initiated, stop.officer_initiated_rule) == (True, "traffic or subject stop")
    assert CfsCallType.objects.get(key="WELFARE CITIZEN").officer_initiated is False

    analysis = selectors.cfs_analysis(dataset=dataset)
    assert analysis["officer_initiated"] == 8
    assert analysis["all_calls"] == 15
    summary = analysis["summary"]
    assert summary.total == 7  # public-generated only
    assert (summary.divertible, summary.not_divertible, summary.unclassified) == (4, 2, 1)
    assert summary.divertible_share == pytest.approx(4 / 7)
    assert analysis["classified_share"] == pytest.approx(6 / 7)
    by_type = {row["label"]: row for row in analysis["call_types"]}
    assert by_type["TRAFFIC STOP"]["share"] is None and by_type["TRAFFIC STOP"]["officer_initiated"]
    assert by_type["WELFARE CITIZEN"]["share"] == pytest.approx(4 / 7)
    # Heatmap, areas and the coverage planner count the public's calls only.
    assert sum(sum(day) for grid in analysis["heatmap"].values() for day in grid) == 7
    assert sum(row.total for row in analysis["areas"]) == 7
    coverage = selectors.cfs_coverage(dataset=dataset, days=list(range(7)), hours=list(range(24)))
    assert sum(coverage.covered.values()) == 7


def test_a_source_column_decides_call_by_call(tmp_path, import_csv):
    rows = [["When", "Nature", "How Received"]]
    rows += [["2019-03-01 10:00:00", "TRAFFIC STOP", "911"]] * 2  # a stop someone called in
    rows += [["2019-03-01 11:00:00", "WELFARE CHECK", "ONVIEW"]] * 3  # seen by an officer
    rows += [["2019-03-01 12:00:00", "THEFT", ""]] * 4  # no source: the type decides (public)
    rows += [["2019-03-01 13:00:00", "PATROL", "radio"]] * 5  # unreadable source: the type decides
    path = write_csv(tmp_path / "sources.csv", rows)
    result = import_csv(path, timezone_name="America/Chicago")
    assert result.dataset.column_mapping["source"] == "How Received"
    kinds = dict(
        CfsCall.objects.filter(dataset=result.dataset).values_list("call_type__key", "source_kind").distinct()
    )
    assert kinds == {
        "TRAFFIC STOP": CallSource.PUBLIC,
        "WELFARE CHECK": CallSource.OFFICER,
        "THEFT": CallSource.UNKNOWN,
        "PATROL": CallSource.UNKNOWN,
    }
    analysis = selectors.cfs_analysis(dataset=result.dataset)
    assert analysis["summary"].total == 6  # 2 stops called in + 4 thefts
    assert analysis["officer_initiated"] == 8  # 3 on view + 5 patrols


def test_a_coordinator_decides_and_suggestions_keep_the_decision(tmp_path, import_csv, coordinator):
    import_csv(_mke(tmp_path, ["BUSINESS CHECK", "CITIZEN CONTACT"]), preset="milwaukee")
    contact = CfsCallType.objects.get(key="CITIZEN CONTACT")
    assert contact.officer_initiated is False
    cfs_call_type_classify(
        call_type=contact,
        category=None,
        divertibility=Divertibility.NOT_DIVERTIBLE,
        officer_initiated=True,
        user=coordinator,
    )
    check = CfsCallType.objects.get(key="BUSINESS CHECK")
    cfs_call_type_classify(
        call_type=check,
        category=None,
        divertibility=Divertibility.DIVERTIBLE,
        officer_initiated=False,
        user=coordinator,
    )
    cfs_call_types_suggest(city=contact.city)
    contact.refresh_from_db()
    check.refresh_from_db()
    assert (
        contact.officer_initiated,
        contact.officer_initiated_reviewed,
        contact.officer_initiated_rule,
    ) == (
        True,
        True,
        "coordinator",
    )
    assert (check.officer_initiated, check.officer_initiated_reviewed) == (False, True)


def test_the_pages_show_officer_initiated_apart_and_the_coverage(client, coordinator, tmp_path, import_csv):
    dataset = import_csv(
        _mke(tmp_path, ["TRAFFIC STOP", "WELFARE CITIZEN", "WELFARE CITIZEN", "XYZZY"]), preset="milwaukee"
    ).dataset
    client.force_login(coordinator)
    page = client.get(reverse("assessment:cfs_analysis", args=[dataset.pk])).content.decode()
    assert "Share of public-generated calls" in page
    assert "Every share on this page is of the 3 calls from the public. 1 of the 4 records" in page
    assert "66 % of public-generated calls classified" in page  # 2 of 3, never rounded up
    listing = client.get(
        reverse("assessment:cfs_call_types", args=[dataset.city_id]), {"show": "officer"}
    ).content.decode()
    assert "TRAFFIC STOP" in listing and "WELFARE CITIZEN" not in listing

    contact = CfsCallType.objects.get(key="XYZZY")
    prefix = f"t{contact.pk}"
    client.post(
        reverse("assessment:cfs_call_type_update", args=[contact.pk]),
        {f"{prefix}-divertibility": "maybe", f"{prefix}-officer_initiated": "on", "calls": "1"},
        HTTP_HX_REQUEST="true",
    )
    contact.refresh_from_db()
    assert (contact.officer_initiated, contact.officer_initiated_reviewed) == (True, True)


def test_milwaukee_calls_are_classified_without_review(import_csv):
    """Issue 20: at least 90 % of a real city's call volume gets a suggested category and
    divertibility, counted over all calls and over public-generated calls."""
    dataset = import_csv(MILWAUKEE, preset="auto").dataset
    analysis = selectors.cfs_analysis(dataset=dataset)
    rows = analysis["call_types"]
    total = sum(row["calls"] for row in rows)
    classified = sum(
        row["calls"]
        for row in rows
        if row["call_type"].category_id and row["divertibility"] != Divertibility.UNCLASSIFIED
    )
    assert classified / total >= 0.90
    assert analysis["classified_share"] >= 0.90
    # Traffic stops, business checks, returns to the station...: about half of the records.
    assert 0.3 <= analysis["officer_initiated"] / analysis["all_calls"] <= 0.6
    flagged = set(
        CfsCallType.objects.filter(city=dataset.city, officer_initiated=True).values_list("key", flat=True)
    )
    assert {"TRAFFIC STOP", "BUSINESS CHECK", "RETURN STATION", "PATROL", "SPECIAL ASSIGN"} <= flagged
    assert not {"WELFARE CITIZEN", "TRBL W/SUBJ", "SHOTS FIRED", "INJ PERSON/SICK"} & flagged
    queue = selectors.cfs_call_types_for_city(city=dataset.city, dataset=dataset, unreviewed_only=True)
    assert [call_type.calls for call_type in queue] == sorted((c.calls for c in queue), reverse=True)
