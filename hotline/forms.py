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
