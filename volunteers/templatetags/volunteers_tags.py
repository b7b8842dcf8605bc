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


@register.inclusion_tag("volunteers/_agreements_prompt.html", takes_context=True)
def agreements_prompt(context):
    """A prompt on the volunteer's own pages when a new version of the community agreements
    waits for their acceptance."""
    from volunteers.selectors import agreements_accepted, current_agreements, volunteer_for_user

    request = context.get("request")
    volunteer = volunteer_for_user(getattr(request, "user", None))
    current = current_agreements() if volunteer is not None else None
    pending = current is not None and not agreements_accepted(volunteer, current=current)
    return {"pending": pending, "current": current}


@register.filter
def role_labels(roles) -> str:
    """["dispatcher", "responder"] -> "Dispatcher, Responder" in the reader's language."""
    from volunteers.models import ShiftRole

    names = dict(ShiftRole.choices)
    return ", ".join(str(names.get(role, role)) for role in roles or ())


@register.filter
def availability_labels(slots) -> str:
    """["mon_evening", "tue_evening"] -> "Monday evening (18-24), …" in the reader's language."""
    from volunteers.models import DAY_PARTS, WEEKDAYS

    days, parts = dict(WEEKDAYS), dict(DAY_PARTS)
    labels = []
    for slot in slots or ():
        day, _sep, part = slot.partition("_")
        if day in days and part in parts:
            labels.append(f"{days[day]} · {parts[part]}")
        else:
            labels.append(slot)
    return ", ".join(labels)
