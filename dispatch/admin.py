"""Admin of the dispatch app.

Coordinators edit the call-type taxonomy and on-call periods here. Protocol versions are
read-only: an edit goes through the protocol editor, which makes a new version.
Triage, incidents and the outbox are shown for inspection only (their services keep them
consistent).
"""

from django.contrib import admin

from audit.admin import AuditedAdminMixin
from dispatch.models import (
    CallType,
    Debrief,
    Incident,
    IncidentEvent,
    IncidentResponder,
    Notification,
    OnCallPeriod,
    ProtocolQuestion,
    ProtocolRule,
    ProtocolVersion,
    Referral,
    ReferralApiPartner,
    Triage,
    WellbeingCheckIn,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallType)
class CallTypeAdmin(admin.ModelAdmin):
    list_display = ("name_en", "slug", "position", "is_active", "follow_up_hours")
    list_editable = ("position", "is_active")
    search_fields = ("name_en", "name_ko", "name_es", "slug")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Triages and training modules refer to call types: deactivate instead.
        return False


class QuestionInline(admin.TabularInline):
    model = ProtocolQuestion
    fields = ("position", "key", "kind", "required", "danger_screen", "text_en")
    readonly_fields = fields
    extra = 0
    can_delete = False


class RuleInline(admin.TabularInline):
    model = ProtocolRule
    fields = ("position", "question_key", "operator", "value", "recommendation")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "change_note", "created_by", "created_at")
    inlines = [QuestionInline, RuleInline]


@admin.register(Triage)
class TriageAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ("intake", "claimed_by", "call_type", "recommendation", "decision", "decided_at")
    list_filter = ("decision", "danger_flagged", "call_type")


class EventInline(admin.TabularInline):
    model = IncidentEvent
    fields = ("created_at", "kind", "actor", "volunteer", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ResponderInline(admin.TabularInline):
    model = IncidentResponder
    fields = ("volunteer", "tier", "status", "notified_at", "responded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Incident)
class IncidentAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ("code", "status", "call_type", "area", "opened_at", "outcome", "escalation_level")
    list_filter = ("status", "outcome", "call_type")
    search_fields = ("code",)
    inlines = [ResponderInline, EventInline]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("partner", "service_type", "triage", "incident", "created_at")


@admin.register(ReferralApiPartner)
class ReferralApiPartnerAdmin(admin.ModelAdmin):
    list_display = ("handoff_partner", "partner", "created_at")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "to", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    readonly_fields = ("last_error",)


@admin.register(OnCallPeriod)
class OnCallPeriodAdmin(admin.ModelAdmin):
    list_display = ("user", "phone", "starts_at", "ends_at")
    list_filter = ("user",)


@admin.register(Debrief)
class DebriefAdmin(admin.ModelAdmin):
    list_display = ["incident", "volunteer", "wants_to_talk", "submitted_at"]
    list_filter = ["wants_to_talk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WellbeingCheckIn)
class WellbeingCheckInAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "incident", "reason", "due_at", "done_at", "done_by"]
    list_filter = ["reason"]
