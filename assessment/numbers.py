"""The one rounding rule of every figure the assessment shows: the page, the CSV export, the
printable report and the charts all round half up to the same number of decimals.

Floats cannot hold most decimal fractions (0.6115 * 100 is 61.150000000000006, 0.5135 * 100 is
51.349999999999994), and Django's number formatting cuts decimals off rather than rounding, so
each path used to settle a borderline figure its own way. Going through the shortest decimal
that prints the float (`repr`) gives the figure a reader would write down, rounded once here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def _decimal(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def rounded(value: float | int | Decimal, digits: int = 1) -> Decimal:
    """`value` rounded half up to `digits` decimals: rounded(61.15) == Decimal("61.2")."""
    return _decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percentage(fraction: float | int | Decimal, digits: int = 1) -> Decimal:
    """A fraction as a rounded percentage: percentage(0.5135) == Decimal("51.4")."""
    return rounded(_decimal(fraction) * 100, digits)


def percent_text(fraction: float | int | Decimal, digits: int = 1) -> str:
    """A fraction as the pages show it: '51.4 %' (the locale's decimal separator)."""
    return f"{number_format(percentage(fraction, digits), decimal_pos=digits)} %"


def decimal_text(value: float | int | Decimal, digits: int = 1, *, grouping: bool = False) -> str:
    """A number as the pages show it, rounded like the CSV: '61.2'."""
    return number_format(rounded(value, digits), decimal_pos=digits, force_grouping=grouping)
