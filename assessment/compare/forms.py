"""The comparison's choice: a baseline dataset, a pilot dataset, optionally some areas and a
boundary of the baseline (counted for the pilot dataset too, assessment.map_jobs)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.compare.selectors import ComparisonError, check_comparable
from assessment.forms import UNKNOWN_AREA_VALUE
from assessment.map_forms import BoundaryChoice
from assessment.map_models import CfsBoundary, CfsPilotArea
from assessment.models import CfsDataset, CfsSlotCount


class DatasetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CfsDataset) -> str:
        return f"{obj.city} · {obj.name}"


class CompareForm(forms.Form):
    baseline = DatasetChoice(
        label=_("Baseline (before)"),
        queryset=CfsDataset.objects.select_related("city").order_by("city__name", "name"),
    )
    pilot = DatasetChoice(
        label=_("Pilot period (after)"),
        queryset=CfsDataset.objects.select_related("city").order_by("city__name", "name"),
    )
    boundary = BoundaryChoice(
        label=_("Boundary of the baseline (optional)"),
        queryset=CfsBoundary.objects.none(),
        required=False,
        empty_label=_("(none: every call)"),
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas (none ticked: all)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        baseline = str(source.get("baseline") or "")
        if baseline.isdigit():
            self.fields["boundary"].queryset = CfsBoundary.objects.filter(dataset_id=int(baseline))
        chosen = [
            value for value in (source.get("baseline"), source.get("pilot")) if str(value or "").isdigit()
        ]
        areas = sorted(
            set(CfsSlotCount.objects.filter(dataset_id__in=chosen).values_list("area", flat=True).distinct())
        )
        self.fields["areas"].choices = [
            (area or UNKNOWN_AREA_VALUE, area or _("(unknown)")) for area in areas
        ]

    @classmethod
    def for_baseline(cls, baseline: str) -> CompareForm:
        """The unbound form from a dataset's analysis page: that dataset is the baseline and its
        saved pilot areas and boundary (the analysis page's filter) are chosen by default."""
        if not baseline.isdigit():
            return cls()
        saved = (
            CfsPilotArea.objects.filter(dataset_id=int(baseline)).values_list("areas", "boundary_id").first()
        )
        initial = {"baseline": baseline}
        areas = [area or UNKNOWN_AREA_VALUE for area in (saved[0] if saved else None) or []]
        if areas:
            initial["areas"] = areas
        if saved and saved[1]:
            initial["boundary"] = saved[1]
        return cls(initial=initial)

    def clean(self):
        data = super().clean()
        baseline, pilot = data.get("baseline"), data.get("pilot")
        if baseline is not None and pilot is not None:
            try:
                check_comparable(baseline, pilot)
            except ComparisonError as exc:
                raise forms.ValidationError(str(exc), code="not_comparable") from exc
        return data

    def selected_areas(self) -> list[str] | None:
        chosen = self.cleaned_data.get("areas") or []
        if not chosen:
            return None
        return ["" if value == UNKNOWN_AREA_VALUE else value for value in chosen]
