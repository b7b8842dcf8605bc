"""Forms of the roadmap."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assessment.models import RoadmapMilestone, RoadmapPhase
from volunteers.roles import Role


def _owners():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(groups__name__in=[Role.COORDINATOR, Role.DISPATCHER])
        .distinct()
        .order_by("first_name", "username")
    )


class PhaseForm(forms.ModelForm):
    class Meta:
        model = RoadmapPhase
        fields = ("starts_on", "ends_on", "owner", "status", "notes")
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", forms.ValidationError(_("The phase cannot end before it starts.")))
        return cleaned


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = RoadmapMilestone
        fields = ("title", "due_on", "owner", "done_on")
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}),
            "done_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()
