from datetime import timedelta

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def hours(value: timedelta | None) -> str:
    """A duration as hours with one decimal, e.g. 12.5."""
    if not value:
        return "0"
    return number_format(
        round(value.total_seconds() / 3600, 1), decimal_pos=1 if value.total_seconds() % 3600 else 0
    )
