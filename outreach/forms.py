"""Forms of the outreach app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from outreach.antispam import HONEYPOT_FIELD, TokenError, form_token_check
from outreach.models import (
    SURVEY_LANGUAGES,
    Event,
    FocusGroup,
    Lead,
    OpeningHours,
    Option,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerStage,
    Question,
    ServiceType,
    Survey,
)
from volunteers.models import Area, Language

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# --- Partner directory -------------------------------------------------------------------------


class PartnerStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=PartnerStage.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class PartnerAgreementForm(forms.ModelForm):
    document = forms.FileField(
        label=_("Signed document (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )

    class Meta:
        model = PartnerAgreement
        fields = ["kind", "title", "signed_on", "starts_on", "ends_on", "renewal_on"]
        widgets = {
            "signed_on": DATE_INPUT,
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "renewal_on": DATE_INPUT,
        }


class PartnerContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["kind", "happened_on", "with_whom", "summary", "follow_up"]
        widgets = {"happened_on": DATE_INPUT, "summary": forms.Textarea(attrs={"rows": 3})}


class PartnerSearchForm(forms.Form):
    query = forms.CharField(label=_("Search"), required=False, max_length=100)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.all(), required=False, to_field_name="slug"
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.filter(is_active=True), required=False
    )
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.all(), required=False, to_field_name="code"
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "query": data["query"],
            "service": data["service"],
            "area": data["area"],
            "language": data["language"].code if data["language"] else None,
            "open_now": data["open_now"],
        }


class PartnerForm(forms.ModelForm):
    services = forms.ModelMultipleChoiceField(
        label=_("Services"), queryset=ServiceType.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = [
            "name",
            "description",
            "services",
            "languages",
            "areas",
            "phone",
            "email",
            "website",
            "address",
            "eligibility",
            "accepts_referrals",
            "open_24_7",
            "hours_note",
            "contact_name",
            "contact_phone",
            "contact_email",
            "last_verified_on",
            "is_active",
        ]
        widgets = {
            "languages": forms.CheckboxSelectMultiple,
            "areas": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "last_verified_on": DATE_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("services", list(self.instance.services.all()))


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens_at", "closes_at"]
        widgets = {"opens_at": TIME_INPUT, "closes_at": TIME_INPUT}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("opens_at") and cleaned.get("opens_at") == cleaned.get("closes_at"):
            raise ValidationError(_("Opening and closing times are the same; tick “open 24/7” instead."))
        return cleaned


OpeningHoursFormSet = inlineformset_factory(
    Partner, OpeningHours, form=OpeningHoursForm, extra=7, can_delete=True, max_num=50, validate_max=True
)

# --- Survey builder ----------------------------------------------------------------------------


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "title_en",
            "title_ko",
            "title_es",
            "intro_en",
            "intro_ko",
            "intro_es",
            "anonymous",
            "status",
            "slug",
        ]
        widgets = {f"intro_{code}": forms.Textarea(attrs={"rows": 3}) for code in SURVEY_LANGUAGES}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new survey is a draft: it can open once it has questions.
            del self.fields["status"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["kind", "required", "text_en", "text_ko", "text_es"]
        widgets = {f"text_{code}": forms.Textarea(attrs={"rows": 2}) for code in SURVEY_LANGUAGES}

    def __init__(self, *args, structure_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if structure_locked:
            # Answers already point at this question: its kind can no longer change.
            self.fields["kind"].disabled = True


class BaseOptionFormSet(BaseInlineFormSet):
    def __init__(self, *args, structure_locked: bool = False, **kwargs):
        self.structure_locked = structure_locked
        super().__init__(*args, **kwargs)
        if structure_locked:
            self.extra = 0

    def option_rows(self) -> list[dict]:
        """The options to keep, in the order given, as plain data for `question_save`.
        Options left out (ticked for deletion) are deleted by the service."""
        return [
            {
                "option": form.cleaned_data.get("id"),
                **{f"text_{code}": form.cleaned_data[f"text_{code}"] for code in SURVEY_LANGUAGES},
            }
            for form in self.ordered_forms
        ]


OptionFormSet = inlineformset_factory(
    Question,
    Option,
    formset=BaseOptionFormSet,
    fields=["text_en", "text_ko", "text_es"],
    extra=4,
    can_delete=True,
    can_order=True,
    max_num=30,
    validate_max=True,
)

# --- Public survey form ------------------------------------------------------------------------


TOO_FAST_MESSAGE = _(
    "Your answers are still here, nothing is lost. The form was sent faster than a person usually "
    "can, so our check against automated spam held it back: please look over your answers and "
    "press “Send my answers” again."
)


class SurveyResponseForm(forms.Form):
    """The questionnaire in one language. Every answer is checked against this survey's own
    questions and options, so a tampered post gets form errors and saves nothing."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, survey: Survey, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.language = language
        self.questions = list(survey.questions.prefetch_related("options"))
        if not survey.anonymous:
            with override(language):
                self.fields["respondent_name"] = forms.CharField(
                    label=_("Your name (optional)"), required=False, max_length=120
                )
                self.fields["respondent_contact"] = forms.CharField(
                    label=_("Phone or email (optional)"), required=False, max_length=200
                )
        for question in self.questions:
            self.fields[self.field_name(question)] = self._field_for(question)

    @staticmethod
    def field_name(question: Question) -> str:
        return f"q{question.pk}"

    def _field_for(self, question: Question) -> forms.Field:
        label = question.localized("text", self.language)
        common = {"label": label, "required": question.required}
        if question.has_options:
            choices = [
                (str(option.pk), option.localized("text", self.language)) for option in question.options.all()
            ]
            if question.kind == Question.Kind.SINGLE:
                return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        if question.kind == Question.Kind.SCALE:
            with override(self.language):
                help_text = str(_("1 = lowest, 5 = highest"))
            return forms.TypedChoiceField(
                choices=[(str(value), str(value)) for value in Question.SCALE_VALUES],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                help_text=help_text,
                **common,
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, strip=True, **common
        )

    def question_fields(self):
        return [self[self.field_name(question)] for question in self.questions]

    def clean_token(self) -> str:
        try:
            return form_token_check(self.cleaned_data["token"], survey_id=self.survey.pk).nonce
        except TokenError as exc:
            if str(exc) == "too fast":
                raise ValidationError(TOO_FAST_MESSAGE, code="too_fast") from exc
            message = _("This form has expired. Please reload the page and answer again.")
            raise ValidationError(message, code="token") from exc

    def answers(self) -> dict[int, object]:
        """question pk -> option pk, list of option pks, scale value or text; unanswered left out."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question))
            if value in (None, "", []):
                continue
            if question.kind == Question.Kind.SINGLE:
                value = int(value)
            elif question.kind == Question.Kind.MULTIPLE:
                value = sorted({int(pk) for pk in value})
            answers[question.pk] = value
        return answers


def honeypot_filled(data) -> bool:
    return bool(data.get(HONEYPOT_FIELD, "").strip())


# --- Focus groups, events, leads ---------------------------------------------------------------


class FocusGroupForm(forms.ModelForm):
    themes_text = forms.CharField(
        label=_("Themes"),
        required=False,
        max_length=1000,
        help_text=_("Separate themes with commas, e.g. “distrust of police, language access”."),
    )

    class Meta:
        model = FocusGroup
        fields = ["title", "held_on", "audience", "facilitator", "place", "participants", "notes"]
        widgets = {"held_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault(
                "themes_text", ", ".join(theme.name for theme in self.instance.themes.all())
            )

    def clean_themes_text(self) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        for raw in self.cleaned_data["themes_text"].split(","):
            name = " ".join(raw.split())
            if not name:
                continue
            if len(name) > 80:
                raise ValidationError(_("A theme may have at most 80 characters."))
            if name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
        return names


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["kind", "title", "held_on", "place", "partner", "area", "people_reached", "notes"]
        widgets = {"held_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ["event", "first_name", "last_name", "email", "phone", "language", "interest", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise ValidationError(_("Give an email or a phone number so that we can reach them."))
        return cleaned


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise ValidationError(_("The start date is after the end date."))
        return cleaned
