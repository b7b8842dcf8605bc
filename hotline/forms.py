"""Forms of the hotline app."""

from django import forms
from django.utils.translation import gettext_lazy as _

SMS_MAX_LENGTH = 1600  # Twilio's limit for one message body


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Text to the caller"),
        max_length=SMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent from the hotline number; the caller never sees your own number."),
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write the text to send."))
        return body


class HandoffForm(forms.Form):
    """The JSON body of a hand-off (validated like a form, answered as a 400 listing problems)."""

    reference = forms.CharField(label=_("their reference"), max_length=100)
    call_type = forms.CharField(label=_("call type"), max_length=100)
    location = forms.CharField(label=_("location"), max_length=255, required=False)
    area = forms.CharField(label=_("area"), max_length=100, required=False)
    language = forms.CharField(label=_("language"), max_length=12, required=False)
    callback_number = forms.CharField(label=_("callback number"), max_length=32, required=False)
    notes = forms.CharField(label=_("notes"), max_length=4000, required=False)

    def __init__(self, data: dict, **kwargs):
        self.unknown_fields = sorted(set(data) - set(self.base_fields))
        super().__init__(data, **kwargs)

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            raise forms.ValidationError(_("This field is required."))
        return reference

    def clean_area(self):
        from volunteers.models import Area

        value = self.cleaned_data["area"].strip()
        if not value:
            return None
        area = Area.objects.filter(is_active=True, slug=value).first()
        area = area or Area.objects.filter(is_active=True, name__iexact=value).first()
        if area is None:
            raise forms.ValidationError(_("Unknown area: give the slug or name of one of our areas."))
        return area

    def clean_language(self) -> str:
        from django.conf import settings

        value = self.cleaned_data["language"].strip().lower()
        codes = [code for code, _name in settings.LANGUAGES]
        if value and value not in codes:
            raise forms.ValidationError(
                _("Unsupported language; use one of: %(codes)s.") % {"codes": ", ".join(codes)}
            )
        return value

    def clean_callback_number(self) -> str:
        from hotline.services import normalise_caller

        value = self.cleaned_data["callback_number"].strip()
        number = normalise_caller(value)
        if value and not number:
            raise forms.ValidationError(
                _("Enter a valid phone number in international format, e.g. +12025550143.")
            )
        return number

    def clean(self):
        cleaned = super().clean()
        for name in self.unknown_fields:
            self.add_error(None, _("Unknown field: %(name)s.") % {"name": name})
        return cleaned


class HandoffPartnerForm(forms.Form):
    name = forms.CharField(label=_("Partner name"), max_length=120)
    source = forms.ChoiceField(label=_("Source"))

    def __init__(self, *args, **kwargs):
        from hotline.models import PARTNER_SOURCE_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = PARTNER_SOURCE_CHOICES

    def clean_name(self) -> str:
        from hotline.models import HandoffPartner

        name = self.cleaned_data["name"].strip()
        if HandoffPartner.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("A partner with this name already exists."))
        return name


class PartnerWebhookForm(forms.Form):
    """A partner's status webhook URL: HTTPS (plain HTTP only to this machine, for testing)."""

    webhook_url = forms.URLField(
        label=_("Status webhook URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty to stop sending status webhooks to this partner."),
    )

    def clean_webhook_url(self) -> str:
        from urllib.parse import urlsplit

        url = self.cleaned_data["webhook_url"].strip()
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise forms.ValidationError(_("Use an https:// address."))
        return url


class TransferForm(forms.Form):
    """Where to bridge the caller (`services.transfer_targets()` keys) and whether to stay on."""

    target = forms.ChoiceField(label=_("Transfer to"))
    stay_on = forms.BooleanField(label=_("Stay on the call"), required=False, initial=True)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(target.key, target.label) for target in targets]


class ListenForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to join"),
        choices=[("listen", _("Listen in (muted)")), ("coach", _("Coach the dispatcher"))],
    )


def _with_skip(choices, skip_label) -> list[tuple[str, str]]:
    return [("", skip_label), *choices]


class EvidenceForm(forms.Form):
    """The two optional diversion questions, asked by the dispatcher; both may be skipped."""

    would_have_called = forms.ChoiceField(
        label=_("If this line did not exist, who would you have called?"), required=False
    )
    heard_from = forms.ChoiceField(label=_("How did you hear about us?"), required=False)

    def __init__(self, *args, **kwargs):
        from hotline.models import AlternativeService, HeardFrom

        super().__init__(*args, **kwargs)
        skip = _("Not asked or skipped")
        self.fields["would_have_called"].choices = _with_skip(AlternativeService.choices, skip)
        self.fields["heard_from"].choices = _with_skip(HeardFrom.choices, skip)


class DemographicsForm(forms.Form):
    """Optional demographics of the person served: only with their consent, every answer optional."""

    consented = forms.BooleanField(
        label=_("The person agreed to answer these optional questions"),
        required=False,
        help_text=_("Without their agreement nothing is stored (and anything stored before is deleted)."),
    )
    age_band = forms.ChoiceField(label=_("Age"), required=False)
    race_ethnicity = forms.MultipleChoiceField(
        label=_("Race and ethnicity (choose all that apply)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Preferred language"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), required=False)
    housing = forms.ChoiceField(label=_("Housing"), required=False)

    def __init__(self, *args, **kwargs):
        from hotline.models import AgeBand, Gender, Housing, PreferredLanguage, RaceEthnicity

        super().__init__(*args, **kwargs)
        skip = _("Not asked")
        self.fields["age_band"].choices = _with_skip(AgeBand.choices, skip)
        self.fields["race_ethnicity"].choices = RaceEthnicity.choices
        self.fields["language"].choices = _with_skip(PreferredLanguage.choices, skip)
        self.fields["gender"].choices = _with_skip(Gender.choices, skip)
        self.fields["housing"].choices = _with_skip(Housing.choices, skip)

    def clean_race_ethnicity(self) -> list[str]:
        from hotline.models import PREFER_NOT

        races = self.cleaned_data["race_ethnicity"]
        if PREFER_NOT in races and len(races) > 1:
            raise forms.ValidationError(_("“Prefer not to say” cannot be chosen together with a group."))
        return races

    def answers(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("age_band", "race_ethnicity", "language", "gender", "housing")}

    @classmethod
    def initial_for(cls, demographics) -> dict:
        if demographics is None:
            return {}
        return {
            "consented": demographics.consented,
            "age_band": demographics.age_band,
            "race_ethnicity": demographics.race_ethnicity,
            "language": demographics.language,
            "gender": demographics.gender,
            "housing": demographics.housing,
        }


class LinkPersonForm(forms.Form):
    other = forms.IntegerField(
        label=_("Intake number of the same person"),
        min_value=1,
        help_text=_("Another contact from the same person: the case view shows them together."),
    )
