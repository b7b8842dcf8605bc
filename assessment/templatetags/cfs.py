"""Template helpers of the 911 calls analysis."""

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
def decimal(value, digits: int = 1) -> str:
    try:
        return decimal_text(float(value), int(digits))
    except (TypeError, ValueError):
        return ""


@register.filter
def split_of(row, divertibility: str) -> int:
    return row.split.get(divertibility, 0)
