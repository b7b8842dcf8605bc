"""`audited`: record a view of a caller record when the page was actually shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from audit.services import Action, audit_record


def audited_view(subject: str, *, what: str, kwarg: str = "pk") -> Callable:
    """Record `request.user` viewing the record named by URL argument `kwarg` when the view
    answered 200 (a 403, 404 or redirect showed nothing)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                audit_record(
                    action=Action.VIEWED,
                    subject=subject,
                    ids=[kwargs[kwarg]],
                    what=what,
                    actor=request.user,
                    path=request.path,
                )
            return response

        return wrapped

    return decorator
