"""One rounding rule for the page, the CSV export, the printable report and the charts."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from assessment.numbers import decimal_text, percent_text, percentage, rounded
from assessment.pilot.tables import Column, Kind, Table, export, minutes, percent, show


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.6115, "61.2"), (0.5135, "51.4"), (0.61149, "61.1"), (0.0005, "0.1"), (1, "100.0"), (0, "0.0")],
)
def test_a_percentage_rounds_half_up_on_the_figure_a_reader_writes(fraction, expected):
    assert percentage(fraction) == Decimal(expected)
    assert percent_text(fraction) == f"{expected} %"


def test_numbers_round_half_up_not_down():
    assert rounded(61.15) == Decimal("61.2")
    assert rounded(51.35) == Decimal("51.4")
    assert rounded(2.25, 1) == Decimal("2.3")
    assert decimal_text(51.35) == "51.4"


@pytest.mark.parametrize("fraction", [0.6115, 0.5135, 0.41665, 0.99995])
def test_page_csv_and_chart_show_the_same_share(fraction):
    page = show(fraction, Kind.SHARE).removesuffix(" %")
    assert page == export(fraction, Kind.SHARE)
    assert str(percent(fraction)) == page


def test_page_and_csv_show_the_same_hours_and_seconds():
    for kind in (Kind.HOURS, Kind.DURATION):
        assert export(51.35, kind) == "51.4"
    assert show(51.35, Kind.HOURS) == "51.4"
    assert show(51.35, Kind.DURATION) == "51.4 s"
    assert minutes(3081) == 51.4  # 51.35 minutes


def test_a_table_writes_the_same_figures_on_the_page_and_in_the_csv():
    table = Table(
        slug="coverage",
        columns=[Column("Role"), Column("Coverage", Kind.SHARE)],
        rows=[["Responder", 0.6115], ["Dispatcher", 0.5135]],
    )
    assert [row[1]["text"] for row in table.display_rows] == ["61.2 %", "51.4 %"]
    assert [line[1] for line in table.csv_rows()[1:]] == ["61.2", "51.4"]


def test_the_template_filters_use_the_same_rule_in_every_language():
    template = Template("{% load cfs %}{{ share|percent }} {{ value|decimal }}")
    assert template.render(Context({"share": 0.6115, "value": 51.35})) == "61.2 % 51.4"
    with translation.override("es"):
        assert template.render(Context({"share": 0.6115, "value": 51.35})) == "61,2 % 51,4"
