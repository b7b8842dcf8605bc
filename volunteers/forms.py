"""Forms of the volunteers app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminOwnPasswordChangeForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from volunteers.models import (
    DAY_PARTS,
    WEEKDAYS,
    Area,
    HeardAbout,
    Language,
    OnboardingStep,
    ShiftRole,
    TrainingModule,
    TrainingSession,
    Volunteer,
)

AVAILABILITY_CHOICES = [
    (f"{day}_{part}", f"{day_label} · {part_label}")
    for day, day_label in WEEKDAYS
    for part, part_label in DAY_PARTS
]


def availability_grid(field: forms.BoundField) -> list[dict]:
    """Rows of (day, [(slot value, part label, checked)]) for the availability table."""
    selected = set(field.value() or [])
    return [
        {
            "label": day_label,
            "slots": [
                {"value": f"{day}_{part}", "label": part_label, "checked": f"{day}_{part}" in selected}
                for part, part_label in DAY_PARTS
            ],
        }
        for day, day_label in WEEKDAYS
    ]


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = PhoneNumberField(
        label=_("Mobile phone"),
        region="US",
        help_text=_("For shift reminders and urgent messages, e.g. (202) 555-0143."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages you speak"),
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    roles_of_interest = forms.MultipleChoiceField(
        label=_("What would you like to do?"),
        choices=ShiftRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Dispatchers answer the hotline; responders go out in pairs to meet people."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas you can cover"),
        queryset=Area.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually available?"),
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability_notes = forms.CharField(
        label=_("Anything else about your availability?"), max_length=300, required=False
    )
    heard_about = forms.ChoiceField(
        label=_("How did you hear about us?"),
        choices=[("", "---------"), *HeardAbout.choices],
        required=False,
    )
    heard_about_detail = forms.CharField(
        label=_("Which event, organisation or other?"), max_length=200, required=False
    )
    sms_consent = forms.BooleanField(
        label=_("I agree to receive text messages about my application, trainings and shifts."),
        required=False,
    )
    agreements = forms.BooleanField(
        label=_("I have read and agree to the program's community agreements."),
        error_messages={"required": _("Please agree to the community agreements to sign up.")},
    )
    source_code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    lead_reference = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # A honeypot: hidden from people, filled in by bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_email(self):
        # Whether the phone or email is already registered is never said here: the sign-up
        # answers known and new people alike (volunteers.services.volunteer_apply).
        return self.cleaned_data["email"].strip().lower()

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class ProfileForm(forms.Form):
    phone = PhoneNumberField(
        label=_("Mobile phone"), region="US", widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("Email"))
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages you speak"), queryset=Language.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas you can cover"),
        queryset=Area.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually available?"),
        choices=AVAILABILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability_notes = forms.CharField(label=_("Availability notes"), max_length=300, required=False)
    sms_consent = forms.BooleanField(label=_("Text me reminders and messages"), required=False)

    def __init__(self, *args, volunteer: Volunteer, **kwargs):
        self.volunteer = volunteer
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if Volunteer.objects.filter(phone=phone).exclude(pk=self.volunteer.pk).exists():
            raise ValidationError(_("Another volunteer already uses this phone number."))
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Volunteer.objects.filter(email__iexact=email).exclude(pk=self.volunteer.pk).exists():
            raise ValidationError(_("Another volunteer already uses this email address."))
        return email


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Volunteer.Status.choices], required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Any role")), *ShiftRole.choices], required=False
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.all(), required=False, empty_label=_("Any area")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language"))] + [
            (language.code, language.name) for language in Language.objects.all()
        ]


class ApproveForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Approve for"), choices=ShiftRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept on file, not sent)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class CompletionForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=TrainingModule.objects.filter(is_active=True))
    completed_on = forms.DateField(label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"}))


class SignOffForm(forms.Form):
    module = forms.ModelChoiceField(
        label=_("Module"), queryset=TrainingModule.objects.filter(is_active=True, requires_sign_off=True)
    )
    observed = forms.CharField(
        label=_("Role-play observed"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("What you observed: the scenario and how the volunteer handled it."),
    )


class OnboardingRecordForm(forms.Form):
    step = forms.ModelChoiceField(
        label=_("Step done"),
        queryset=OnboardingStep.objects.filter(is_active=True).exclude(
            kind__in=[
                OnboardingStep.Kind.REQUIRED_MODULES,
                OnboardingStep.Kind.MODULE,
                OnboardingStep.Kind.SHADOW_SHIFTS,
            ]
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ShadowSignForm(forms.Form):
    trainee = forms.ModelChoiceField(label=_("Volunteer who shadowed you"), queryset=Volunteer.objects.none())
    step = forms.ModelChoiceField(
        label=_("Role"),
        queryset=OnboardingStep.objects.filter(kind=OnboardingStep.Kind.SHADOW_SHIFTS, is_active=True),
    )
    note = forms.CharField(label=_("Shift and note"), required=False, max_length=300)

    def __init__(self, *args, signer: Volunteer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
        self.fields["trainee"].queryset = queryset.exclude(pk=signer.pk) if signer else queryset


class AgreementsPublishForm(forms.Form):
    text_en = forms.CharField(label=_("Agreements (English)"), widget=forms.Textarea(attrs={"rows": 10}))
    text_ko = forms.CharField(
        label=_("Agreements (Korean)"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    text_es = forms.CharField(
        label=_("Agreements (Spanish)"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )


class QuizResetForm(forms.Form):
    module = forms.ModelChoiceField(
        label=_("Module"), queryset=TrainingModule.objects.filter(quiz__isnull=False)
    )


class QuizForm(forms.Form):
    """One radio group per question, worded in `language`."""

    def __init__(self, *args, quiz, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.quiz = quiz
        for number, question in enumerate(quiz.questions.prefetch_related("choices"), start=1):
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.text(language)}",
                choices=[(choice.pk, choice.text(language)) for choice in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[int, int]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class TrainingModuleForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Required for roles"),
        choices=ShiftRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    qualifies_for_call_types = forms.CharField(
        label=_("Qualifies for call types"),
        required=False,
        help_text=_("Call-type codes separated by commas, e.g. mental-health, welfare-check."),
    )

    class Meta:
        model = TrainingModule
        fields = [
            "title",
            "slug",
            "description",
            "roles",
            "qualifies_for_call_types",
            "validity_days",
            "is_active",
            "position",
            "taught_by_kind",
            "taught_by_name",
            "requires_attendance",
            "requires_sign_off",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Curriculum fields keep their defaults when a form leaves them out.
        self.fields["position"].required = False
        self.fields["taught_by_kind"].required = False
        if self.instance.pk:
            self.initial["qualifies_for_call_types"] = ", ".join(self.instance.qualifies_for_call_types)

    def clean_qualifies_for_call_types(self) -> list[str]:
        raw = self.cleaned_data["qualifies_for_call_types"]
        return sorted({slugify(part) for part in raw.split(",") if slugify(part)})

    def clean_roles(self) -> list[str]:
        return sorted(set(self.cleaned_data["roles"]))

    def clean_position(self) -> int:
        position = self.cleaned_data["position"]
        return self.instance.position if position is None else position

    def clean_taught_by_kind(self) -> str:
        return self.cleaned_data["taught_by_kind"] or self.instance.taught_by_kind


class TrainingSessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = TrainingSession
        fields = ["module", "starts_at", "location", "trainer", "capacity"]


class AttendanceForm(forms.Form):
    attended = forms.ModelMultipleChoiceField(
        label=_("Attended"),
        queryset=Volunteer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    walk_ins = forms.ModelMultipleChoiceField(
        label=_("Also attended (not registered)"), queryset=Volunteer.objects.none(), required=False
    )

    def __init__(self, *args, session: TrainingSession, **kwargs):
        super().__init__(*args, **kwargs)
        registered = Volunteer.objects.filter(training_attendance__session=session)
        self.fields["attended"].queryset = registered
        self.fields["walk_ins"].queryset = Volunteer.objects.filter(
            status__in=[Volunteer.Status.ACTIVE, Volunteer.Status.APPLICANT]
        ).exclude(pk__in=registered.values("pk"))
        self.fields["attended"].initial = registered.filter(training_attendance__status="attended")

    def attendees(self) -> list[Volunteer]:
        return [*self.cleaned_data["attended"], *self.cleaned_data["walk_ins"]]


WEEKDAY_CHOICES = [(str(number), label) for number, (_code, label) in enumerate(WEEKDAYS)]


class ShiftSeriesForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ShiftRole.choices)
    date_from = forms.DateField(
        label=_("Date (or first day)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_until = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a single shift."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every day in the range."),
    )
    start_time = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label=_("Ends"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An end at or before the start means the next day (e.g. 18:00 to 02:00)."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=50, initial=2)
    minimum_staffing = forms.IntegerField(label=_("Minimum staffing"), min_value=0, max_value=50, initial=1)
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any area"),
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and not data.get("date_until"):
            data["date_until"] = data["date_from"]
        if data.get("date_from") and data.get("date_until") and data["date_until"] < data["date_from"]:
            self.add_error("date_until", _("The last day is before the first day."))
        if data.get("start_time") and data.get("start_time") == data.get("end_time"):
            self.add_error("end_time", _("The start and end times are the same."))
        capacity, minimum = data.get("capacity"), data.get("minimum_staffing")
        if capacity is not None and minimum is not None and minimum > capacity:
            self.add_error("minimum_staffing", _("The minimum staffing cannot be more than the places."))
        return data


class AssignForm(forms.Form):
    volunteer = forms.ModelChoiceField(
        label=_("Volunteer"), queryset=Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
    )


# --- sign-in ---------------------------------------------------------------------------------


LOCKED_MESSAGE = _(
    "Too many failed attempts. For your safety, signing in with this username is paused "
    "for %(minutes)s minutes. You can reset your password meanwhile."
)


def _locked_error() -> ValidationError:
    return ValidationError(
        LOCKED_MESSAGE, code="locked", params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)}
    )


def _password_checked(*, request, username: str, check, wrong_code: str):
    """Run `check` (a form's own password check) under the login throttle.

    Every place a password is checked goes through here, so they share one count per username
    and address: wrong passwords at the admin login or in the old-password field of a password
    change lock the account at that address exactly as at /accounts/login/.
    """
    from volunteers import login_throttle

    address = login_throttle.client_address(request) if request else ""
    if login_throttle.login_locked(username=username, address=address):
        raise _locked_error()
    try:
        result = check()
    except ValidationError as error:
        wrong = error.code == wrong_code
        if wrong and login_throttle.login_failure_record(username=username, address=address):
            raise _locked_error() from error
        raise
    login_throttle.login_failures_clear(username=username, address=address)
    return result


class LoginThrottleMixin:
    """For AuthenticationForm and its subclasses: a username is refused at an address after
    repeated failures (volunteers.login_throttle)."""

    error_messages = {**AuthenticationForm.error_messages, "locked": LOCKED_MESSAGE}

    def clean(self):
        return _password_checked(
            request=self.request,
            username=self.cleaned_data.get("username") or "",
            check=super().clean,
            wrong_code="invalid_login",
        )


class OldPasswordThrottleMixin:
    """For PasswordChangeForm and its subclasses: the old-password check counts as a sign-in."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self):
        return _password_checked(
            request=self.request,
            username=self.user.get_username(),
            check=super().clean_old_password,
            wrong_code="password_incorrect",
        )


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    """Django's login form, refusing a username at an address after repeated failures."""


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The admin's login form (staff only), under the same throttle."""

    error_messages = {**AdminAuthenticationForm.error_messages, "locked": LOCKED_MESSAGE}


class ThrottledPasswordChangeForm(OldPasswordThrottleMixin, PasswordChangeForm):
    pass


class ThrottledAdminPasswordChangeForm(OldPasswordThrottleMixin, AdminOwnPasswordChangeForm):
    pass


class OneTimeCodeForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise ValidationError(_("Too many wrong codes. Wait a minute and try again."), code="throttled")
        if not token.isdigit() or not self.device.verify_token(token):
            raise ValidationError(
                _("That code is not right. Check the time on your phone and try again."), code="invalid"
            )
        return token
