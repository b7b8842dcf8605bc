"""Forms of the pilot dashboard: the period filter and the pilot settings (with the hotline's
hours of operation, which the settings page edits in place rather than copies)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from assessment.models import CfsCategory, CfsDataset, PilotSettings
from assessment.pilot.selectors import Period
from hotline.models import Intake, OperatingHours
from volunteers.models import Area

MAX_PERIOD_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """The dashboard's date range (local dates, both included) and the sources of the contacts
    to count (none ticked: every source)."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To (included)"), widget=DateInput())
    source = forms.MultipleChoiceField(
        label=_("Sources"),
        choices=Intake.Source.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every source."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The last day must not be before the first."))
            if start < EARLIEST:
                raise forms.ValidationError(_("Choose a first day after 2000."))
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return cleaned

    def period(self) -> Period:
        chosen = set(self.cleaned_data["source"])
        # Every source ticked is no filter at all (and keeps calls that never became a contact).
        sources = (
            ()
            if chosen >= set(Intake.Source.values)
            else tuple(s for s in Intake.Source.values if s in chosen)
        )
        return Period(self.cleaned_data["start"], self.cleaned_data["end"], sources=sources)

    @classmethod
    def for_request(cls, data, *, default: Period) -> PeriodForm:
        """Bound to the query string when it names a period, else to the default period (with
        the sources the query string names, if any)."""
        if "start" in data or "end" in data:
            return cls(data)
        bound = QueryDict(mutable=True)
        bound.update({"start": default.first_day.isoformat(), "end": default.last_day.isoformat()})
        bound.setlist("source", data.getlist("source") if hasattr(data, "getlist") else [])
        return cls(bound)


class EquityGroupForm(forms.Form):
    """The group the equity tables break the figures down by (the people's demographics, or area)."""

    group = forms.ChoiceField(label=_("Break down by"), required=False)

    def __init__(self, *args, **kwargs):
        from assessment.pilot.selectors import GROUPS

        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(key, label) for key, (label, _choices) in GROUPS.items()]

    def chosen(self) -> str:
        from assessment.pilot.selectors import DEFAULT_GROUP

        return (self.cleaned_data.get("group") if self.is_valid() else "") or DEFAULT_GROUP


class PilotSettingsForm(forms.ModelForm):
    service_areas = forms.ModelMultipleChoiceField(
        label=_("Service areas"),
        queryset=Area.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PilotSettings
        fields = ["name", "starts_on", "ends_on", "service_areas", "min_dispatchers", "min_responders"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", _("The last day must not be before the first."))
            elif (ends_on - starts_on) > timedelta(days=MAX_PERIOD_DAYS):
                self.add_error("ends_on", _("A pilot lasts at most three years."))
        return cleaned


class OperatingHoursForm(forms.ModelForm):
    class Meta:
        model = OperatingHours
        fields = ["weekday", "opens", "closes"]
        widgets = {
            "weekday": forms.Select(attrs={"class": "form-select"}),
            "opens": forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
            "closes": forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        }


class BaseOperatingHoursFormSet(forms.BaseModelFormSet):
    def clean(self):
        # Said plainly before Django's generic "duplicate data" message.
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
                continue
            key = (data.get("weekday"), data.get("opens"))
            if key in seen:
                raise forms.ValidationError(_("Two rows open on the same day at the same time."))
            seen.add(key)
        super().clean()


OperatingHoursFormSet = forms.modelformset_factory(
    OperatingHours,
    form=OperatingHoursForm,
    formset=BaseOperatingHoursFormSet,
    extra=2,
    can_delete=True,
)


class PoliceTimeForm(forms.Form):
    """The police time behind "police unit-hours avoided": the 911 dataset, the cost of a unit-hour,
    and per hotline call type the 911 call type or category it stands in for, or minutes."""

    police_time_dataset = forms.ModelChoiceField(
        label=_("911 dataset for police time on scene"),
        queryset=CfsDataset.objects.order_by("name"),
        required=False,
        help_text=_("Its time on scene per call type gives the police unit-hours the hotline avoided."),
    )
    cost_per_unit_hour = forms.DecimalField(
        label=_("Cost of a police unit-hour"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        help_text=_("Optional; turns the unit-hours avoided into money."),
    )

    def __init__(self, *args, call_types, cfs_call_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.call_types = list(call_types)
        type_choices = [("", _("— none —")), *cfs_call_types]
        for call_type in self.call_types:
            self.fields[f"cfs_{call_type.pk}"] = forms.ChoiceField(
                label=_("911 call type"),
                choices=type_choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"category_{call_type.pk}"] = forms.ModelChoiceField(
                label=_("911 category"),
                queryset=CfsCategory.objects.all(),
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"minutes_{call_type.pk}"] = forms.IntegerField(
                label=_("Minutes of police time per contact"),
                min_value=1,
                max_value=1440,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self) -> list[dict]:
        """One row per hotline call type with the fields of its mapping (bound fields)."""
        return [
            {
                "call_type": call_type,
                "cfs": self[f"cfs_{call_type.pk}"],
                "category": self[f"category_{call_type.pk}"],
                "minutes": self[f"minutes_{call_type.pk}"],
            }
            for call_type in self.call_types
        ]

    def mappings(self) -> dict[int, tuple[str, object, int | None]]:
        data = self.cleaned_data
        return {
            call_type.pk: (
                data.get(f"cfs_{call_type.pk}") or "",
                data.get(f"category_{call_type.pk}"),
                data.get(f"minutes_{call_type.pk}"),
            )
            for call_type in self.call_types
        }
