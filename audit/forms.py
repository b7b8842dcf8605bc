from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.models import AuditEntry

SUBJECTS = (
    ("", pgettext_lazy("audit", "All records")),
    ("hotline.intake", pgettext_lazy("audit", "Intakes")),
    ("dispatch.incident", pgettext_lazy("audit", "Incidents")),
    ("hotline.call", pgettext_lazy("audit", "Calls")),
    ("hotline.message", pgettext_lazy("audit", "Messages")),
    ("dispatch.triage", pgettext_lazy("audit", "Triage records")),
)


class AuditFilterForm(forms.Form):
    subject = forms.ChoiceField(label=_("Record type"), choices=SUBJECTS, required=False)
    object_id = forms.IntegerField(label=_("Record number"), min_value=1, required=False)
    actor = forms.ModelChoiceField(
        label=pgettext_lazy("audit", "Who"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
    )
    action = forms.ChoiceField(
        label=pgettext_lazy("audit", "Action"),
        choices=[("", _("Any action")), *AuditEntry.Action.choices],
        required=False,
    )
    since = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("object_id") and not data.get("subject"):
            self.add_error("subject", _("Choose the record type of the record number."))
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
