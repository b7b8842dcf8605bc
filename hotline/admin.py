"""Admin of the hotline app."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdminMixin
from hotline import services
from hotline.models import (
    Call,
    CallTransfer,
    Handoff,
    HandoffApiKey,
    HandoffPartner,
    Intake,
    Message,
    OperatingHours,
    PartnerLine,
    SmsOptOut,
)


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "direction", "body", "status", "message_sid")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Call)
class CallAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "call_sid",
        "direction",
        "from_number",
        "language",
        "status",
        "outcome",
        "started_at",
        "duration",
    )
    list_filter = ("direction", "status", "outcome", "language")
    search_fields = ("call_sid", "from_number", "to_number")
    date_hierarchy = "started_at"
    raw_id_fields = ("answered_by", "callback_intake")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Intake)
class IntakeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "channel", "source", "caller", "language", "status", "area", "created_at")
    list_filter = ("channel", "source", "status", "language", "area")
    search_fields = ("caller", "location", "summary")
    date_hierarchy = "created_at"
    raw_id_fields = ("call",)
    readonly_fields = ("updated_at",)
    inlines = [MessageInline]
    actions = ["close_selected"]

    @admin.action(description=_("Close the selected intakes"), permissions=["change"])
    def close_selected(self, request, queryset):
        closed = services.intakes_close(intakes=queryset)
        self.message_user(request, _("%(count)d intakes closed.") % {"count": closed})


@admin.register(Message)
class MessageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "direction", "from_number", "to_number", "status", "intake")
    list_filter = ("direction", "status")
    search_fields = ("message_sid", "from_number", "to_number")
    date_hierarchy = "created_at"
    raw_id_fields = ("intake",)
    readonly_fields = ("updated_at",)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ("phone", "keyword", "created_at")
    search_fields = ("phone",)


@admin.register(OperatingHours)
class OperatingHoursAdmin(admin.ModelAdmin):
    list_display = ("weekday", "opens", "closes")
    list_filter = ("weekday",)


class PartnerLineForm(forms.ModelForm):
    class Meta:
        model = PartnerLine
        fields = ("name", "number", "source", "language", "is_active")

    def clean_number(self) -> str:
        from hotline.services import normalise_caller

        number = normalise_caller(self.cleaned_data["number"])
        if not number:
            raise forms.ValidationError(_("Enter a valid phone number, e.g. +12025550199."))
        return number


@admin.register(PartnerLine)
class PartnerLineAdmin(admin.ModelAdmin):
    form = PartnerLineForm
    list_display = ("name", "number", "source", "language", "is_active")
    list_filter = ("source", "is_active")
    search_fields = ("name", "number")


class HandoffApiKeyInline(admin.TabularInline):
    """Keys are issued and revoked on the hand-off keys page (it shows a new key once)."""

    model = HandoffApiKey
    extra = 0
    fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HandoffPartner)
class HandoffPartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "created_at")
    list_filter = ("source",)
    search_fields = ("name",)
    inlines = [HandoffApiKeyInline]
    # The status webhook is set on its own page (audited, the secret shown once); its secret's
    # nonce is never shown.
    fields = (
        "name",
        "source",
        "webhook_url",
        "webhook_secret_set_at",
        "webhook_failures",
        "webhook_failing_since",
    )
    readonly_fields = ("webhook_url", "webhook_secret_set_at", "webhook_failures", "webhook_failing_since")


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "reference", "call_type", "intake")
    list_filter = ("partner",)
    search_fields = ("reference",)
    raw_id_fields = ("intake",)
    readonly_fields = (
        "partner",
        "reference",
        "intake",
        "call_type",
        "callback_number",
        "notes",
        "created_at",
    )


@admin.register(CallTransfer)
class CallTransferAdmin(admin.ModelAdmin):
    """Warm transfers and their outcomes, read only: Twilio's callbacks write them."""

    list_display = ("started_at", "call", "target", "target_label", "stay_on", "outcome", "by")
    list_filter = ("target", "outcome")
    readonly_fields = [field.name for field in CallTransfer._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
