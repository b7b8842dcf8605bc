"""Admin of the hotline app."""

from django.contrib import admin

from hotline.models import Call, Intake, Message, OperatingHours, SmsOptOut


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "direction", "body", "status", "message_sid")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
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
class IntakeAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "caller", "language", "status", "area", "created_at")
    list_filter = ("channel", "status", "language", "area")
    search_fields = ("caller", "location", "summary")
    date_hierarchy = "created_at"
    raw_id_fields = ("call",)
    readonly_fields = ("updated_at",)
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
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
