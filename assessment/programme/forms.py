"""Forms of lessons learned and the steering committee."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.models import (
    ActionItem,
    Finding,
    LessonsReview,
    RoadmapPhase,
    SteeringMeeting,
    SteeringMember,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LessonsReviewForm(forms.ModelForm):
    class Meta:
        model = LessonsReview
        fields = ["title", "first_day", "last_day"]
        widgets = {"first_day": DATE_INPUT, "last_day": DATE_INPUT}


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["area", "finding", "recommendation"]
        widgets = {
            "finding": forms.Textarea(attrs={"rows": 3}),
            "recommendation": forms.Textarea(attrs={"rows": 2}),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=LessonsReview.Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE_INPUT)
    notes = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SteeringMemberForm(forms.ModelForm):
    class Meta:
        model = SteeringMember
        fields = ["name", "affiliation", "community_represented", "email", "term_starts", "term_ends"]
        widgets = {"term_starts": DATE_INPUT, "term_ends": DATE_INPUT}


class SteeringMeetingForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"),
        queryset=SteeringMember.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SteeringMeeting
        fields = ["held_on", "title", "agenda", "minutes", "guests"]
        widgets = {
            "held_on": DATE_INPUT,
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }


class SteeringDecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    phases = forms.ModelMultipleChoiceField(
        label=_("Roadmap phases"),
        queryset=RoadmapPhase.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    readiness_checks = forms.MultipleChoiceField(
        label=_("Readiness checks"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, checks: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["readiness_checks"].choices = checks


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_on"]
        widgets = {"due_on": DATE_INPUT}
