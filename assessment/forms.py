"""Forms of the assessment app (911 calls-for-service import and analysis)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assessment.cfs import presets
from assessment.models import CfsCategory, CfsDataset, Divertibility

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]
UNKNOWN_AREA_VALUE = "__unknown__"
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".gz")


def _clean_zone(value: str) -> str:
    value = value.strip()
    if value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("Unknown time zone; use a name such as America/Chicago.")) from None
    return value


class CfsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Calls-for-service export"),
        help_text=_("A CSV file (or a .csv.gz). Large files are imported in the background."),
    )
    lookup = forms.FileField(
        label=_("Code lookup table (optional)"),
        required=False,
        help_text=_("A CSV with call type codes and their descriptions, when the export has codes only."),
    )
    dataset_name = forms.CharField(label=_("Dataset name"), max_length=120)
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        help_text=_("Call-type classifications and column mappings are shared by a city's datasets."),
        widget=forms.TextInput(attrs={"list": "cfs-cities"}),
    )
    preset = forms.ChoiceField(label=_("Column mapping"), initial="auto")
    timezone = forms.CharField(
        label=_("Time zone of the times in the file"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to use the preset's or the city's (default %(zone)s).")
        % {"zone": settings.TIME_ZONE},
    )
    replace = forms.BooleanField(label=_("Replace the dataset of that name if it exists"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [("auto", _("Detect automatically"))] + [
            (preset.name, preset.label) for preset in presets.PRESETS.values()
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(
                _("Upload a .csv file (or .csv.gz); export spreadsheets as CSV first.")
            )
        limit = settings.CFS_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than the %(mb)d MB allowed.") % {"mb": limit // 1024**2}
            )
        return upload

    def clean_timezone(self):
        return _clean_zone(self.cleaned_data["timezone"])

    def clean(self):
        cleaned = super().clean()
        name = (cleaned.get("dataset_name") or "").strip()
        if name and not cleaned.get("replace") and CfsDataset.objects.filter(name=name).exists():
            self.add_error(
                "dataset_name", _("A dataset with this name exists; choose another or tick replace.")
            )
        return cleaned


class CfsMappingForm(forms.Form):
    """Which column of this file holds each field; prefilled with what was detected."""

    save_mapping = forms.BooleanField(
        label=_("Save this mapping for the city (used for its next files)"), required=False
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this file —"))] + [(header, header) for header in headers]
        for name in presets.FIELDS:
            self.fields[f"column_{name}"] = forms.ChoiceField(
                label=presets.FIELD_LABELS[name], choices=choices, required=False
            )
        self.order_fields([f"column_{name}" for name in presets.FIELDS] + ["save_mapping"])

    @staticmethod
    def initial_for(columns: dict[str, str]) -> dict[str, str]:
        return {f"column_{name}": header for name, header in columns.items()}

    def columns(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"column_{name}") or "" for name in presets.FIELDS}

    def clean(self):
        cleaned = super().clean()
        if presets.missing_required({k: v for k, v in self.columns().items() if v}):
            raise forms.ValidationError(
                _("Choose the column with the received time, and the call type code or description column.")
            )
        return cleaned


class CfsColumnMappingForm(forms.Form):
    """A city's saved mapping, typed as header names (no file needed)."""

    timezone = forms.CharField(label=_("Time zone"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in presets.FIELDS:
            self.fields[f"column_{name}"] = forms.CharField(
                label=presets.FIELD_LABELS[name], max_length=200, required=False
            )

    def columns(self) -> dict[str, str]:
        return {name: (self.cleaned_data.get(f"column_{name}") or "").strip() for name in presets.FIELDS}

    def clean_timezone(self):
        return _clean_zone(self.cleaned_data["timezone"])

    def clean(self):
        cleaned = super().clean()
        if presets.missing_required({k: v for k, v in self.columns().items() if v}):
            raise forms.ValidationError(
                _("Name the received time column and a call type code or description column.")
            )
        return cleaned


class CfsCallTypeForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=CfsCategory.objects.all(), required=False, empty_label=_("— none —")
    )
    divertibility = forms.ChoiceField(
        label=_("Divertibility"),
        choices=[
            (Divertibility.DIVERTIBLE, Divertibility.DIVERTIBLE.label),
            (Divertibility.MAYBE, Divertibility.MAYBE.label),
            (Divertibility.NOT_DIVERTIBLE, Divertibility.NOT_DIVERTIBLE.label),
        ],
    )
    officer_initiated = forms.BooleanField(label=_("Officer-initiated"), required=False)


class CfsCoverageForm(forms.Form):
    """A responder window: weekdays x hours in some areas, and the time a call takes."""

    days = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.TypedMultipleChoiceField(
        label=_("Hours (starting at)"), choices=HOUR_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas (none ticked: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    minutes_per_call = forms.IntegerField(
        label=_("Minutes a team spends per call"), min_value=5, max_value=480, initial=45
    )

    DEFAULT_DAYS = list(range(7))
    DEFAULT_HOURS = list(range(10, 22))

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = [
            (area or UNKNOWN_AREA_VALUE, area or _("(unknown)")) for area in areas
        ]

    def selected_areas(self) -> list[str] | None:
        chosen = self.cleaned_data.get("areas") or []
        if not chosen:
            return None
        return ["" if value == UNKNOWN_AREA_VALUE else value for value in chosen]
