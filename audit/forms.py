from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry

SUBJECTS = (
    ("", _("All records")),
    ("hotline.intake", _("Intakes")),
    ("dispatch.incident", _("Incidents")),
    ("hotline.call", _("Calls")),
    ("hotline.message", _("Messages")),
    ("dispatch.triage", _("Triage records")),
)


class AuditFilterForm(forms.Form):
    subject = forms.ChoiceField(label=_("Record type"), choices=SUBJECTS, required=False)
    object_id = forms.IntegerField(label=_("Record number"), min_value=1, required=False)
    actor = forms.ModelChoiceField(
        label=_("Who"), queryset=get_user_model().objects.order_by("username"), required=False
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *AuditEntry.Action.choices], required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("object_id") and not data.get("subject"):
            self.add_error("subject", _("Choose the record type of the record number."))
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
