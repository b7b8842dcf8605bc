"""Past intakes and incidents: the search dispatchers and coordinators use to find an earlier
contact (by dates, caller number, call type, decision or outcome, area, incident code).

The page shows callers' numbers, so it is `never_cache` and every page of results shown goes to
the audit trail with the intakes on it (not the search terms: a number searched for stays out
of the trail's text). Routed in dispatch/urls.py as `history`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.services import Action, audit_record
from dispatch import selectors
from dispatch.forms import HistorySearchForm
from volunteers.roles import Role, role_required

from ._common import INTAKE


@never_cache
@role_required(Role.DISPATCHER)
@require_GET
def history(request):
    form = HistorySearchForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        filters = form.filters() if request.GET else {}
        paginator = Paginator(selectors.past_intakes(**filters), settings.DISPATCH_HISTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "dispatch/history.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if page is not None else 400,
    )
    if page is not None and page.object_list:
        audit_record(
            action=Action.VIEWED,
            subject=INTAKE,
            ids=[intake.pk for intake in page.object_list],
            what="past intakes search",
            actor=request.user,
            path=request.path,
        )
    return response
