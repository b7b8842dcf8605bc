"""Template helpers of the 911 calls analysis."""

import math

from django import template

from assessment.numbers import decimal_text, percent_text

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.2345 -> '23.5 %' (localised decimal separator)."""
    try:
        return percent_text(float(value), int(digits))
    except (TypeError, ValueError):
        return ""


@register.filter
def percent_floor(value, digits: int = 0) -> str:
    """A share that must never look better than it is (classification coverage): rounded down,
    2/3 -> '66 %', then written as every other percentage."""
    try:
        scale = 10 ** (int(digits) + 2)
        return percent_text(math.floor(float(value) * scale + 1e-9) / scale, int(digits))
    except (TypeError, ValueError):
        return ""


@register.filter
def decimal(value, digits: int = 1) -> str:
    try:
        return decimal_text(float(value), int(digits))
    except (TypeError, ValueError):
        return ""


@register.filter
def split_of(row, divertibility: str) -> int:
    return row.split.get(divertibility, 0)
