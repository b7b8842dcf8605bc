"""Admin of the assessment app. Calls and aggregates are bulk data, managed by imports only."""

from django.contrib import admin

from assessment.models import (
    ActionItem,
    CfsCallType,
    CfsCategory,
    CfsCity,
    CfsColumnMapping,
    CfsDataset,
    CfsImportJob,
    CfsReferenceCallType,
    Finding,
    LessonsReview,
    SteeringDecision,
    SteeringMeeting,
    SteeringMember,
)


@admin.register(CfsCity)
class CfsCityAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]


@admin.register(CfsCategory)
class CfsCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "default_divertibility", "sort_order"]
    list_editable = ["default_divertibility", "sort_order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CfsColumnMapping)
class CfsColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["city", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]


@admin.register(CfsDataset)
class CfsDatasetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "city",
        "row_count",
        "bad_row_count",
        "first_received_at",
        "last_received_at",
        "imported_at",
    ]
    list_filter = ["city"]
    search_fields = ["name", "source_name"]
    readonly_fields = [
        "city",
        "source_name",
        "mapping_source",
        "column_mapping",
        "timezone",
        "row_count",
        "bad_row_count",
        "bad_rows",
        "blank_line_count",
        "first_received_at",
        "last_received_at",
        "imported_at",
        "imported_by",
        "elapsed_seconds",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # datasets come from imports


@admin.register(CfsCallType)
class CfsCallTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "city", "category", "divertibility", "reviewed", "suggestion_note"]
    list_filter = ["city", "divertibility", "reviewed", "category"]
    search_fields = ["key", "code", "description"]
    readonly_fields = [
        "city",
        "key",
        "reviewed_by",
        "reviewed_at",
        "suggested_category",
        "suggested_divertibility",
        "suggestion_source",
        "suggestion_note",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # call types come from imports


@admin.register(CfsReferenceCallType)
class CfsReferenceCallTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "column_name", "count", "category", "raw_category"]
    list_filter = ["source", "city", "category"]
    search_fields = ["name", "normalized"]


@admin.register(CfsImportJob)
class CfsImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "dataset_name", "status", "created_by", "created_at", "rows_imported"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in CfsImportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class FindingInline(admin.StackedInline):
    model = Finding
    extra = 0


@admin.register(LessonsReview)
class LessonsReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "first_day", "last_day", "decision", "decided_on"]
    list_filter = ["decision"]
    inlines = [FindingInline]


@admin.register(SteeringMember)
class SteeringMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "affiliation", "community_represented", "term_starts", "term_ends"]
    search_fields = ["name", "affiliation", "community_represented"]


class SteeringDecisionInline(admin.StackedInline):
    model = SteeringDecision
    extra = 0
    filter_horizontal = ["phases"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0


@admin.register(SteeringMeeting)
class SteeringMeetingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "title"]
    filter_horizontal = ["attendees"]
    inlines = [SteeringDecisionInline, ActionItemInline]
