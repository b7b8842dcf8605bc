from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.admin import AuditedAdminMixin
from audit.services import Action
from volunteers.models import (
    Area,
    CommunityAgreementAcceptance,
    CommunityAgreementVersion,
    CompetencySignOff,
    Language,
    Lesson,
    LessonMaterial,
    OnboardingRecord,
    OnboardingStep,
    Quiz,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
    Shift,
    ShiftAssignment,
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
    VolunteerNote,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class VolunteerNoteInline(admin.TabularInline):
    model = VolunteerNote
    extra = 0
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]


class TrainingCompletionInline(admin.TabularInline):
    model = TrainingCompletion
    extra = 0
    fields = ["module", "completed_on", "expires_on", "session"]
    autocomplete_fields = ["module"]
    raw_id_fields = ["session"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "phone", "email", "applied_at", "source_code"]
    list_filter = ["status", "languages", "areas", "heard_about", "sms_consent"]
    search_fields = ["first_name", "last_name", "email", "phone", "source_code", "lead_reference"]
    filter_horizontal = ["languages", "areas"]
    raw_id_fields = ["user", "approved_by"]
    readonly_fields = [
        "applied_at",
        "status_changed_at",
        "approved_at",
        "invitation_sent_at",
        "calendar_token",
    ]
    date_hierarchy = "applied_at"
    inlines = [TrainingCompletionInline, VolunteerNoteInline]


@admin.register(VolunteerNote)
class VolunteerNoteAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "author", "created_at"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "body"]
    raw_id_fields = ["volunteer", "author"]


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    show_change_link = True
    fields = ["position", "title", "body", "video_url"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "position",
        "roles",
        "taught_by_kind",
        "requires_attendance",
        "requires_sign_off",
        "validity_days",
        "is_active",
    ]
    list_filter = ["is_active", "taught_by_kind", "requires_sign_off"]
    search_fields = ["title", "slug", "taught_by_name"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [LessonInline]


class LessonMaterialForm(forms.ModelForm):
    # A plain file input: materials are private, so the admin shows no link to the stored file.
    file = forms.FileField(widget=forms.FileInput)

    class Meta:
        model = LessonMaterial
        fields = ["name", "file"]


class LessonMaterialInline(admin.TabularInline):
    model = LessonMaterial
    form = LessonMaterialForm
    extra = 1


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "module", "position"]
    list_filter = ["module"]
    search_fields = ["title", "body"]
    inlines = [LessonMaterialInline]


class QuizQuestionInline(admin.StackedInline):
    model = QuizQuestion
    extra = 0
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    """Questions are written in English, Korean and Spanish; answers on each question's page."""

    list_display = ["module", "pass_mark", "max_attempts", "is_active"]
    inlines = [QuizQuestionInline]


class QuizChoiceInline(admin.TabularInline):
    model = QuizChoice
    extra = 3


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    list_display = ["text_en", "quiz", "position"]
    list_filter = ["quiz"]
    inlines = [QuizChoiceInline]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "quiz", "language", "score", "passed", "submitted_at"]
    list_filter = ["passed", "language"]
    search_fields = ["volunteer__first_name", "volunteer__last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CompetencySignOff)
class CompetencySignOffAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "module", "signed_by", "signed_at"]
    list_filter = ["module"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "observed"]


class TrainingAttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    raw_id_fields = ["volunteer"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["module", "starts_at", "location", "trainer", "capacity"]
    list_filter = ["module"]
    date_hierarchy = "starts_at"
    inlines = [TrainingAttendanceInline]


@admin.register(TrainingAttendance)
class TrainingAttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "volunteer", "status"]
    list_filter = ["status"]
    raw_id_fields = ["session", "volunteer"]


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "module", "completed_on", "expires_on"]
    list_filter = ["module"]
    search_fields = ["volunteer__first_name", "volunteer__last_name"]
    raw_id_fields = ["volunteer", "session", "recorded_by"]
    date_hierarchy = "completed_on"


class ShiftAssignmentInline(admin.TabularInline):
    model = ShiftAssignment
    extra = 0
    fields = ["volunteer", "status", "assigned_by", "created_at"]
    raw_id_fields = ["volunteer", "assigned_by"]
    readonly_fields = ["created_at"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "starts_at", "ends_at", "area", "capacity", "minimum_staffing"]
    list_filter = ["role", "area"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["created_by"]
    inlines = [ShiftAssignmentInline]


@admin.register(ShiftAssignment)
class ShiftAssignmentAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "shift", "status", "reminder_24h_sent_at", "reminder_1h_sent_at"]
    list_filter = ["status", "shift__role"]
    search_fields = ["volunteer__first_name", "volunteer__last_name"]
    raw_id_fields = ["shift", "volunteer", "assigned_by"]


# --- accounts: users, role groups, authenticator devices ------------------------------------------
# Who may do what is security: every change is audited, only superusers grant privileges, and a
# TOTP secret (which would let anyone make codes) is never shown.

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
SECRET_FIELDS = ("key", "qrcode_link")


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TOTPDevice)


@admin.register(User)
class SecuredUserAdmin(AuditedAdminMixin, UserAdmin):
    """Coordinators manage accounts here, but cannot grant privileges (staff, superuser, roles,
    permissions) nor touch a superuser's account (its password would be a way in)."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        return (*readonly, *PRIVILEGE_FIELDS)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            self._audit(request, Action.CHANGED, [id], "admin: password set", fields=["password"])
        return response


@admin.register(Group)
class SecuredGroupAdmin(AuditedAdminMixin, GroupAdmin):
    """The role groups: only superusers change what a role may do."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else (*readonly, "name", "permissions")


@admin.register(TOTPDevice)
class SecuredTOTPDeviceAdmin(AuditedAdminMixin, TOTPDeviceAdmin):
    """Authenticator devices without their secret: no key, no QR code, no configuration page.
    Devices are enrolled by their owner in the app (volunteers.two_factor), never added here."""

    def get_list_display(self, request):
        return [name for name in super().get_list_display(request) if name != "qrcode_link"]

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in SECRET_FIELDS]})
            for title, options in super().get_fieldsets(request, obj)
            if [f for f in options["fields"] if f not in SECRET_FIELDS]
        ]

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)  # without the package's config and QR code pages

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    """Coordinators configure each role's checklist here (`manage.py seed_onboarding_steps` adds
    the default one)."""

    list_display = [
        "role",
        "position",
        "kind",
        "title",
        "module",
        "required_count",
        "required_before_access",
        "is_active",
    ]
    list_editable = ["position", "required_count", "required_before_access", "is_active"]
    list_filter = ["role", "kind", "is_active"]


@admin.register(OnboardingRecord)
class OnboardingRecordAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "step", "vouched_by", "recorded_by", "recorded_at"]
    list_filter = ["step__role", "step__kind"]
    search_fields = ["volunteer__first_name", "volunteer__last_name", "note"]
    raw_id_fields = ["volunteer", "vouched_by"]


@admin.register(CommunityAgreementVersion)
class CommunityAgreementVersionAdmin(admin.ModelAdmin):
    """Versions are published from the agreements page (a new version asks everyone again)."""

    list_display = ["version", "published_at", "published_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CommunityAgreementAcceptance)
class CommunityAgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "version", "accepted_at"]
    list_filter = ["version"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
