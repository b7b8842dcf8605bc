"""Small-cell suppression: primary ("<11"), complementary (no total reveals a hidden count), and
the same hidden cells on the page, in the CSV export and in the printed report."""

import csv
import io
import itertools
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.pilot.selectors import wilson_interval
from assessment.pilot.suppression import SUPPRESSED, suppress
from assessment.pilot.tests.factories import local, make_contact, make_triage
from dispatch.models import Decision
from hotline.models import AlternativeService, ContactEvidence, Demographics


def hidden(values) -> list[bool]:
    return [value is SUPPRESSED for value in values]


def test_counts_under_eleven_are_hidden_zero_and_eleven_are_not():
    grid = suppress([[0, 11, 40]], row_totals=False, column_totals=False)
    assert grid.cells == [[0, 11, 40]]
    grid = suppress([[10, 1]], row_totals=False, column_totals=False)
    assert grid.cells == [[SUPPRESSED, SUPPRESSED]]
    assert str(SUPPRESSED) == "<11"


def test_a_single_hidden_cell_in_a_row_hides_the_next_smallest_cell_of_that_row():
    # Row total 3 + 20 + 50 = 73 would give away the 3: the 20 (next smallest) is hidden too.
    grid = suppress([[3, 20, 50], [30, 40, 60]], row_totals=True, column_totals=False)
    assert grid.cells[0] == [SUPPRESSED, SUPPRESSED, 50]
    assert grid.row_totals == [73, 130]
    assert grid.cells[1] == [30, 40, 60]


def test_complementary_suppression_runs_down_the_columns_too():
    grid = suppress([[3, 20, 50], [30, 40, 60], [35, 45, 70]])
    # Row 0 hides 3 and 20; column 0 then has one hidden (the 3) -> its next smallest (30) too;
    # column 1 hides the 20 and its next smallest (40); row 1 now hides 30 and 40: two, safe.
    assert grid.cells == [
        [SUPPRESSED, SUPPRESSED, 50],
        [SUPPRESSED, SUPPRESSED, 60],
        [35, 45, 70],
    ]
    assert grid.row_totals == [73, 130, 150]
    assert grid.column_totals == [68, 105, 180]
    assert grid.total == 353


def test_a_small_total_is_hidden_and_protected_like_a_cell():
    grid = suppress([[2, 3], [40, 50]])
    assert hidden(grid.cells[0]) == [True, True]
    assert grid.row_totals[0] is SUPPRESSED  # 5 < 11
    # The totals column (5, 90 | 95) has one hidden entry: another is hidden with it.
    assert sum(hidden([*grid.row_totals, grid.total])) != 1


def test_columns_that_do_not_add_up_are_protected_only_against_their_own_totals():
    grid = suppress([[5, 30], [40, 12]], row_totals=False, column_totals=True)
    assert grid.row_totals is None
    # Column 0: 5 hidden alone would be 45 - 40: the 40 goes too.
    assert [row[0] for row in grid.cells] == [SUPPRESSED, SUPPRESSED]
    assert [row[1] for row in grid.cells] == [30, 12]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=60), min_size=cols, max_size=cols),
            min_size=1,
            max_size=5,
        )
    )
)
def test_no_line_ever_has_exactly_one_hidden_entry_and_small_counts_never_show(cells):
    grid = suppress(cells)
    for i, row in enumerate(grid.cells):
        assert sum(hidden([*row, grid.row_totals[i]])) != 1
        for value, original in zip(row, cells[i], strict=True):
            assert value is SUPPRESSED or value == original
            if 0 < original < 11:
                assert value is SUPPRESSED
    for j in range(len(cells[0])):
        assert sum(hidden([*(row[j] for row in grid.cells), grid.column_totals[j]])) != 1
    assert sum(hidden([*grid.column_totals, grid.total])) != 1
    assert sum(hidden([*grid.row_totals, grid.total])) != 1


def test_wilson_interval():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(30, 100)
    assert low == pytest.approx(0.2189, abs=1e-3) and high == pytest.approx(0.3958, abs=1e-3)
    low, high = wilson_interval(0, 5)
    assert low == 0.0 and 0 < high < 0.5


# --- the dashboard: page, CSV and print ---------------------------------------------------

JUNE = "?start=2026-06-01&end=2026-06-30"


def _contacts(by):
    """14 housed people (phone support), 3 unsheltered (2 phone support, 1 referred), 20 unasked."""
    made = []
    for index, housing in enumerate(["housed"] * 14 + ["unsheltered"] * 3 + [""] * 20):
        contact = make_contact(at=local(date(2026, 6, 1 + index % 28), 10), caller=f"+1202555{index:04d}")
        decision = Decision.REFER if housing == "unsheltered" and index == 16 else Decision.PHONE_SUPPORT
        make_triage(contact, decision=decision, by=by)
        if housing:
            Demographics.objects.create(intake=contact, consented=True, housing=housing)
        if index < 12:
            ContactEvidence.objects.create(intake=contact, would_have_called=AlternativeService.CALL_911)
        made.append(contact)
    return made


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))


@pytest.mark.django_db
def test_page_csv_and_print_hide_the_same_cells(client, coordinator, staff_user):
    _contacts(staff_user)
    client.force_login(coordinator)
    page = client.get(reverse("assessment:dashboard") + JUNE + "&group=housing")
    assert page.status_code == 200
    table = page.context["tables"]["equity_decisions"]
    rows = {row[0]: row for row in table.rows}
    unsheltered = rows["Unsheltered"]
    assert unsheltered[1] is SUPPRESSED  # 2 phone support
    assert unsheltered[-1] is SUPPRESSED  # 3 contacts
    html = page.content.decode()
    assert "&lt;11" in html
    assert 'id="table-equity_decisions"' in html

    exported = _csv(
        client.get(reverse("assessment:pilot_export", args=["equity_decisions"]) + JUNE + "&group=housing")
    )
    assert exported[0][0] == "Housing"
    by_label = {line[0]: line for line in exported[1:]}
    shown = [[cell["text"] for cell in row] for row in table.display_rows]
    for row in shown:
        assert [cell.replace(",", "") for cell in row] == by_label[row[0]]
    assert by_label["Unsheltered"][1] == "<11"
    # Complementary: the "phone support" column would otherwise give the unsheltered 2 away.
    column = [line[1] for line in exported[1:]]
    assert column.count("<11") >= 2 or by_label["All"][1] == "<11"

    # The printed report is the page printed: the same table markup, no other copy.
    assert html.count('id="table-equity_decisions"') == 1


@pytest.mark.django_db
def test_diversion_figure_and_its_confidence_note(client, coordinator, staff_user):
    _contacts(staff_user)
    client.force_login(coordinator)
    page = client.get(reverse("assessment:dashboard") + JUNE)
    table = page.context["tables"]["diversion"]
    rows = {row[0]: row for row in table.rows}
    assert rows["911 or police: calls the hotline stood in for"][1] == 12
    assert "12 of 37 contacts answered" in table.note
    assert "95 % interval" in table.note
    exported = _csv(client.get(reverse("assessment:pilot_export", args=["diversion"]) + JUNE))
    assert ["911 or police: calls the hotline stood in for", "12", "100.0"] in exported
    assert 'href="#glossary-diversion"' in page.content.decode()


@pytest.mark.django_db
def test_race_and_ethnicity_counts_a_person_in_each_group_chosen(client, coordinator, staff_user):
    for index in range(12):
        contact = make_contact(at=local(date(2026, 6, 2), 9), caller=f"+1202555{index:04d}")
        Demographics.objects.create(intake=contact, consented=True, race_ethnicity=["asian", "white"])
    client.force_login(coordinator)
    page = client.get(reverse("assessment:dashboard") + JUNE + "&group=race_ethnicity")
    rows = {row[0]: row for row in page.context["tables"]["equity_decisions"].rows}
    assert rows["Asian"][-1] == 12 and rows["White"][-1] == 12


@pytest.mark.django_db
def test_an_unknown_group_falls_back_to_age(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("assessment:dashboard") + JUNE + "&group=phone_number")
    assert page.status_code == 200
    assert page.context["equity_group"] == "age_band"


def test_every_cell_combination_of_a_small_table_is_safe():
    for a, b, c, d in itertools.product([0, 1, 5, 12], repeat=4):
        grid = suppress([[a, b], [c, d]])
        for i in range(2):
            assert sum(hidden([*grid.cells[i], grid.row_totals[i]])) != 1
