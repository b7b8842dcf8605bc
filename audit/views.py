from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import labels, selectors
from audit.forms import AuditFilterForm

PAGE_SIZE = 100


@never_cache
@login_required
# The Coordinator role's group holds this permission (volunteers.roles.ROLE_PERMISSIONS): a
# Django permission rather than the role helper, so that audit, which every app records into,
# imports no project app.
@permission_required("audit.view_auditentry", raise_exception=True)
@require_GET
def entries(request):
    """Who viewed and changed caller records: filter by record, person, action and dates."""
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_entries()
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            entries = selectors.audit_entries(
                subject=data["subject"],
                object_id=data["object_id"],
                actor_id=data["actor"].pk if data["actor"] else None,
                action=data["action"],
                since=data["since"],
                until=data["until"],
            )
        else:
            entries, status = entries.none(), 400
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = labels.record_names(page)
    rows = [
        {
            "entry": entry,
            "what": labels.what_label(entry.what),
            "record": labels.record_label(entry, names),
            "page": labels.page_label(entry.path),
        }
        for entry in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "audit/entries.html", context, status=status)


# Callers' numbers and who saw them: like every role page, only after the second factor
# (volunteers.two_factor reads this mark; set here without importing it, see config/architecture.py).
entries.second_factor_required = True
