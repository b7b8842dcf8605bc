"""Admin of the outreach app: a fallback for coordinators; the app's own pages are the main UI."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from outreach.models import (
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Option,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerService,
    PartnerStageChange,
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
    list_display = ["name", "stage", "accepts_referrals", "open_24_7", "last_verified_on", "is_active"]
    list_filter = ["is_active", "stage", "accepts_referrals", "services", "areas", "languages"]
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


@admin.register(PartnerStageChange)
class PartnerStageChangeAdmin(admin.ModelAdmin):
    """The history is written by outreach.services.partner_stage_set only."""

    list_display = ["partner", "from_stage", "to_stage", "changed_by", "changed_at"]
    list_filter = ["to_stage"]
    search_fields = ["partner__name", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartnerAgreement)
class PartnerAgreementAdmin(admin.ModelAdmin):
    """Agreements are filed on the partner's relationship page (the PDF is checked and stored
    privately there); the admin lists them and links to the role-checked download."""

    list_display = ["partner", "kind", "signed_on", "starts_on", "ends_on", "renewal_on"]
    list_filter = ["kind"]
    search_fields = ["partner__name", "title"]
    fields = ["partner", "kind", "title", "signed_on", "starts_on", "ends_on", "renewal_on", "download"]
    readonly_fields = ["partner", "download"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("signed document"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("outreach:agreement_document", args=[obj.pk]), obj.document_name
        )


@admin.register(PartnerContact)
class PartnerContactAdmin(admin.ModelAdmin):
    list_display = ["partner", "kind", "happened_on", "with_whom", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["partner__name", "summary", "with_whom"]
