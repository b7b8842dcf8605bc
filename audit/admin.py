"""The audit trail in the admin (read only), and the mixin that audits admin pages of caller records."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.actions import delete_selected

from audit.models import AuditEntry, AuditTarget
from audit.services import Action, audit_record, subject_of


class AuditedAdminMixin:
    """For ModelAdmins of caller records: the change list (the records on the page), the change
    form, every save and deletion, and every action on a selection (a bulk update, one entry
    naming all the records) land in the audit trail."""

    def _audit(self, request, action: str, ids, what: str, fields=()) -> None:
        audit_record(
            action=action,
            subject=subject_of(self.model),
            ids=ids,
            what=what,
            actor=request.user,
            fields=fields,
            path=request.path,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            ids = [row.pk for row in changelist.result_list]
            if ids:
                self._audit(request, Action.VIEWED, ids, "admin: list")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and str(object_id).isdigit():
            self._audit(request, Action.VIEWED, [object_id], "admin: record")
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = Action.CHANGED if change else Action.CREATED
        self._audit(request, action, [obj.pk], "admin: saved", fields=form.changed_data if change else ())

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        self._audit(request, Action.DELETED, [pk], "admin: deleted")

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        self._audit(request, Action.DELETED, ids, "admin: deleted selected")

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            key: (func if func is delete_selected else self._audited_action(func, name), name, description)
            for key, (func, name, description) in actions.items()
        }

    def _audited_action(self, func, name: str):
        @wraps(func)
        def action(modeladmin, request, queryset):
            ids = list(queryset.values_list("pk", flat=True))
            response = func(modeladmin, request, queryset)
            self._audit(request, Action.CHANGED, ids, f"admin action: {name}")
            return response

        return action


class AuditTargetInline(admin.TabularInline):
    model = AuditTarget
    fields = ("subject", "object_id")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "who", "action", "what", "subject", "targets_count", "path")
    list_filter = ("action", "subject")
    search_fields = ("actor__username", "actor_label", "what", "path")
    date_hierarchy = "at"
    inlines = [AuditTargetInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
