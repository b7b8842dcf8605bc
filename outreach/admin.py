"""Admin of the outreach app: a fallback for coordinators; the app's own pages are the main UI."""

from django.contrib import admin

from outreach.models import (
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Option,
    Partner,
    PartnerService,
    Question,
    ServiceType,
    Survey,
    SurveyResponse,
    Theme,
)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class PartnerServiceInline(admin.TabularInline):
    model = PartnerService
    extra = 1


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "accepts_referrals", "open_24_7", "last_verified_on", "is_active"]
    list_filter = ["is_active", "accepts_referrals", "services", "areas", "languages"]
    search_fields = ["name", "description", "address", "contact_name"]
    filter_horizontal = ["languages", "areas"]
    inlines = [PartnerServiceInline, OpeningHoursInline]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title_en", "slug", "status", "anonymous", "created_at"]
    list_filter = ["status"]
    search_fields = ["title_en", "title_ko", "title_es", "slug"]
    inlines = [QuestionInline]


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text_en", "survey", "kind", "required", "position"]
    list_filter = ["survey", "kind"]
    inlines = [OptionInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["survey", "language", "submitted_at"]
    list_filter = ["survey", "language"]
    readonly_fields = [
        "survey",
        "submission",
        "language",
        "respondent_name",
        "respondent_contact",
        "submitted_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(FocusGroup)
class FocusGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "held_on", "audience", "facilitator", "participants"]
    list_filter = ["audience", "themes"]
    filter_horizontal = ["themes"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "held_on", "partner", "people_reached", "code"]
    list_filter = ["kind"]
    search_fields = ["title", "place", "code"]
    readonly_fields = ["code"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "event", "interest", "created_at"]
    list_filter = ["interest", "event__kind"]
    search_fields = ["first_name", "last_name", "email", "reference"]
    readonly_fields = ["reference"]
