"""Template helpers of the 911 calls analysis."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.2345 -> '23.5 %' (localised decimal separator)."""
    try:
        return f"{number_format(float(value) * 100, decimal_pos=int(digits))} %"
    except (TypeError, ValueError):
        return ""


@register.filter
def decimal(value, digits: int = 1) -> str:
    try:
        return number_format(float(value), decimal_pos=int(digits))
    except (TypeError, ValueError):
        return ""


@register.filter
def split_of(row, divertibility: str) -> int:
    return row.split.get(divertibility, 0)
