"""Forms of the dispatch app.

The triage form is built from the protocol version the triage uses; its validation asks the
protocol engine (dispatch.protocol) so the form and the service can never disagree.
"""

from __future__ import annotations

from datetime import timedelta

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import (
    CallType,
    Decision,
    FollowUp,
    HandoffService,
    Incident,
    ProtocolQuestion,
    ProtocolRule,
    ProtocolVersion,
)
from dispatch.protocol import (
    DANGER_NEEDS_REASON,
    MISSING_ANSWERS,
    OVERRIDE_NEEDS_REASON,
    ProtocolSpec,
    Recommendation,
    check_decision,
    clean_answers,
    recommend,
)
from dispatch.services.protocol import QuestionInput, RuleInput
from outreach.models import Partner, ServiceType
from volunteers.models import Area, Volunteer
from volunteers.roles import Role

PROTOCOL_ERRORS = {
    MISSING_ANSWERS: _("Answer every required question first (marked *)."),
    OVERRIDE_NEEDS_REASON: _("Your decision differs from the recommendation: write the reason."),
    DANGER_NEEDS_REASON: _(
        "A danger screen was answered yes: sending responders instead of 911/EMS needs a written reason."
    ),
}
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def question_field_name(key: str) -> str:
    return f"q_{key}"


def raw_answers(spec: ProtocolSpec, data) -> dict[str, str]:
    """The answers in posted data, by question key (unvalidated)."""
    return {q.key: data.get(question_field_name(q.key), "") for q in spec.questions}


def referral_partners():
    return Partner.objects.filter(is_active=True, accepts_referrals=True)


class TriageForm(forms.Form):
    """The protocol's questions and the dispatcher's decision."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    override_reason = forms.CharField(
        label=_("Reason for not following the recommendation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    danger_confirmed = forms.BooleanField(
        label=_("I know a danger screen was answered yes and I still send responders."), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    handoff_to = forms.ChoiceField(
        label=_("Handed off to"), choices=[("", "—"), *HandoffService.choices], required=False
    )
    handoff_done = forms.BooleanField(
        label=_("The hand-off happened (the call was transferred or reported)."), required=False
    )
    handoff_at = forms.DateTimeField(
        label=_("Hand-off time (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    referral_partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=referral_partners(), required=False, widget=forms.RadioSelect
    )
    referral_service = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.all(), required=False
    )
    referral_notes = forms.CharField(label=_("Referral notes"), required=False, max_length=300)
    follow_up = forms.BooleanField(label=_("Schedule follow-up calls"), required=False, initial=True)
    follow_up_what = forms.CharField(
        label=_("Follow-up: what to do"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_declined = forms.BooleanField(
        label=_("The person does not want to be called back"), required=False
    )
    team_size = forms.IntegerField(label=_("Team size"), min_value=1, max_value=10, required=False)
    responders = forms.ModelMultipleChoiceField(
        label=_("Responders to text (none ticked: every candidate)"),
        queryset=Volunteer.objects.filter(status=Volunteer.Status.ACTIVE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    details = forms.CharField(
        label=_("What responders need to know (no caller number)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, spec: ProtocolSpec, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.recommendation: Recommendation | None = None
        self.fields["team_size"].initial = settings.DISPATCH_TEAM_SIZE
        questions = {}
        radio = {"class": "form-check-input"}
        for position, question in enumerate(spec.questions):
            label = question.label(language) + (" *" if question.required else "")
            # The first question takes the focus: the dispatcher starts typing answers at once.
            first = {"autofocus": True} if position == 0 else {}
            if question.kind == "yes_no":
                field = forms.ChoiceField(
                    label=label, choices=YES_NO, widget=forms.RadioSelect(attrs=radio | first), required=False
                )
            elif question.kind == "choice":
                choices = [(o.value, o.label(language)) for o in question.options]
                field = forms.ChoiceField(
                    label=label,
                    choices=choices,
                    widget=forms.RadioSelect(attrs=radio | first),
                    required=False,
                )
            elif question.kind in ("call_type", "area", "language"):
                choices = [("", "—"), *((o.value, o.label(language)) for o in question.options)]
                widget = forms.Select(attrs={"class": "form-select js-refresh-candidates"} | first)
                field = forms.ChoiceField(label=label, choices=choices, required=False, widget=widget)
            else:
                widget = forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"} | first)
                field = forms.CharField(
                    label=label,
                    required=False,
                    max_length=255 if question.kind == "location" else 1000,
                    widget=widget,
                )
            field.danger_screen = question.danger_screen
            field.question_kind = question.kind
            questions[question_field_name(question.key)] = field
        # Questions first, in protocol order, then the decision.
        self.fields = {**questions, **self.fields}

    def question_fields(self):
        return [self[question_field_name(q.key)] for q in self.spec.questions]

    def danger_fields(self):
        return [self[question_field_name(q.key)] for q in self.spec.questions if q.danger_screen]

    def other_fields(self):
        return [self[question_field_name(q.key)] for q in self.spec.questions if not q.danger_screen]

    def answers(self) -> dict[str, str]:
        answers, _errors = clean_answers(self.spec, raw_answers(self.spec, self.cleaned_data))
        return answers

    def clean(self):
        data = super().clean()
        answers, answer_errors = clean_answers(self.spec, raw_answers(self.spec, data))
        for key in answer_errors:
            self.add_error(question_field_name(key), _("Choose one of the answers."))
        self.recommendation = result = recommend(self.spec, answers)
        decision = data.get("decision")
        if not decision:
            return data
        for field, code in check_decision(
            result, decision=decision, override_reason=data.get("override_reason", "")
        ).items():
            self.add_error(None if field == "answers" else field, PROTOCOL_ERRORS[code])
        if result.danger and decision == Decision.SEND_RESPONDERS and not data.get("danger_confirmed"):
            self.add_error("danger_confirmed", _("Confirm that you override the danger screen."))
        if decision == Decision.ESCALATE:
            if not data.get("handoff_to"):
                self.add_error("handoff_to", _("Say who took the hand-off."))
            if not data.get("handoff_done"):
                self.add_error("handoff_done", _("Record the hand-off only once it has happened."))
            at = data.get("handoff_at") or timezone.now()
            if at > timezone.now() + timedelta(minutes=1):
                self.add_error("handoff_at", _("The hand-off time cannot be in the future."))
            data["handoff_at"] = at
        if decision == Decision.REFER and not data.get("referral_partner"):
            self.add_error("referral_partner", _("Choose the partner you refer the person to."))
        if data.get("follow_up_declined"):
            data["follow_up"] = False
        if decision == Decision.SEND_RESPONDERS:
            has_location = any(q.kind == "location" for q in self.spec.questions)
            location = next((answers.get(q.key) for q in self.spec.questions if q.kind == "location"), "")
            if has_location and not location:
                self.add_error(None, _("Responders need a location: answer the location question."))
        return data


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Hand over to"), queryset=get_user_model().objects.none())

    def __init__(self, *args, exclude_user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[Role.DISPATCHER, Role.COORDINATOR])
            .distinct()
        )
        if exclude_user is not None:
            users = users.exclude(pk=exclude_user.pk)
        self.fields["to"].queryset = users.order_by("first_name", "last_name", "username")
        self.fields["to"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why cancel?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Incident.Outcome.choices, widget=forms.RadioSelect
    )
    transported_by = forms.CharField(
        label=_("Transported by (who, where to)"), required=False, max_length=200
    )
    referral_partner = forms.ModelChoiceField(
        label=_("Referred to"), queryset=referral_partners(), required=False
    )
    referral_service = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.all(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)
    follow_up_notes = forms.CharField(label=_("Follow-up: what and by whom"), required=False, max_length=2000)
    follow_up_declined = forms.BooleanField(
        label=_("The person does not want to be called back"), required=False
    )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Incident.Outcome.TRANSPORTED and not data.get("transported_by", "").strip():
            self.add_error("transported_by", _("Say who transported the person."))
        if outcome == Incident.Outcome.REFERRED and not data.get("referral_partner"):
            self.add_error("referral_partner", _("Choose the partner."))
        if data.get("follow_up_needed") and not data.get("follow_up_notes", "").strip():
            self.add_error("follow_up_notes", _("Say what follow-up is needed."))
        if data.get("follow_up_needed") and data.get("follow_up_declined"):
            self.add_error("follow_up_declined", _("The person declined follow-up: untick follow-up needed."))
        return data


class FollowUpResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=FollowUp.Result.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("How"), choices=[("", "—"), *FollowUp.Method.choices], required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reschedule_at = forms.DateTimeField(
        label=_("Try again at (empty: no further follow-up)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == FollowUp.Result.DECLINED and data.get("reschedule_at"):
            self.add_error("reschedule_at", _("The person declined: no further follow-up can be scheduled."))
        return data


class FollowUpTextForm(forms.Form):
    body = forms.CharField(
        label=_("Text to the person"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NotifyMoreForm(forms.Form):
    responders = forms.ModelMultipleChoiceField(
        label=_("Also text"),
        queryset=Volunteer.objects.filter(status=Volunteer.Status.ACTIVE),
        widget=forms.CheckboxSelectMultiple,
    )


class HandPickForm(forms.Form):
    """Responders a dispatcher picks by hand: anyone with the Responder role, on shift or not."""

    responders = forms.ModelMultipleChoiceField(
        label=_("Text these responders"),
        queryset=Volunteer.objects.filter(
            status=Volunteer.Status.ACTIVE, user__is_active=True, user__groups__name=Role.RESPONDER
        ).distinct(),
        widget=forms.CheckboxSelectMultiple,
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ChangeDecisionForm(forms.Form):
    """Instead of responders: phone support, a referral, or 911/EMS."""

    decision = forms.ChoiceField(
        label=_("New decision"),
        choices=[(d.value, d.label) for d in (Decision.PHONE_SUPPORT, Decision.REFER, Decision.ESCALATE)],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Why?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    handoff_to = forms.ChoiceField(
        label=_("Handed off to (911/EMS only)"), choices=[("", "—"), *HandoffService.choices], required=False
    )
    referral_partner = forms.ModelChoiceField(
        label=_("Partner (referral only)"), queryset=referral_partners(), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.ESCALATE and not data.get("handoff_to"):
            self.add_error("handoff_to", _("Say whom the call was handed to: 911 or EMS."))
        if data.get("decision") == Decision.REFER and not data.get("referral_partner"):
            self.add_error("referral_partner", _("Choose the partner."))
        return data


# --- Protocol editor ---------------------------------------------------------------------------


def _options_to_text(options: list[dict]) -> str:
    return "\n".join(" | ".join(str(o.get(k, "")) for k in ("value", "en", "ko", "es")) for o in options)


def _options_from_text(text: str) -> list[dict]:
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 4 or not all(parts):
            raise ValidationError(
                _("Line %(number)s: write value | English | Korean | Spanish."), params={"number": number}
            )
        options.append(dict(zip(("value", "en", "ko", "es"), parts, strict=True)))
    return options


class QuestionForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProtocolQuestion.Kind.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    danger_screen = forms.BooleanField(label=_("Danger screen"), required=False)
    text_en = forms.CharField(label=_("English"), max_length=300)
    text_ko = forms.CharField(label=_("Korean"), max_length=300)
    text_es = forms.CharField(label=_("Spanish"), max_length=300)
    options = forms.CharField(
        label=_("Options (one per line: value | English | Korean | Spanish)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_options(self):
        return _options_from_text(self.cleaned_data.get("options", ""))

    def clean(self):
        data = super().clean()
        if data.get("danger_screen") and data.get("kind") != ProtocolQuestion.Kind.YES_NO:
            self.add_error("danger_screen", _("A danger screen must be a yes-or-no question."))
        return data

    @staticmethod
    def initial_for(question: ProtocolQuestion) -> dict:
        return {
            "key": question.key,
            "kind": question.kind,
            "required": question.required,
            "danger_screen": question.danger_screen,
            "text_en": question.text_en,
            "text_ko": question.text_ko,
            "text_es": question.text_es,
            "options": _options_to_text(question.options),
        }

    def to_input(self) -> QuestionInput:
        data = self.cleaned_data
        return QuestionInput(
            key=data["key"],
            kind=data["kind"],
            required=data["required"],
            danger_screen=data["danger_screen"],
            text_en=data["text_en"],
            text_ko=data["text_ko"],
            text_es=data["text_es"],
            options=tuple(data["options"]),
        )


class RuleForm(forms.Form):
    question_key = forms.SlugField(label=_("Question key"), max_length=40)
    operator = forms.ChoiceField(label=_("Operator"), choices=ProtocolRule.Operator.choices)
    value = forms.CharField(label=_("Answer"), max_length=300)
    recommendation = forms.ChoiceField(label=_("Recommend"), choices=Decision.choices)
    explanation_en = forms.CharField(label=_("Why (English)"), required=False, max_length=300)
    explanation_ko = forms.CharField(label=_("Why (Korean)"), required=False, max_length=300)
    explanation_es = forms.CharField(label=_("Why (Spanish)"), required=False, max_length=300)

    FIELDS = (
        "question_key",
        "operator",
        "value",
        "recommendation",
        "explanation_en",
        "explanation_ko",
        "explanation_es",
    )

    @classmethod
    def initial_for(cls, rule: ProtocolRule) -> dict:
        return {name: getattr(rule, name) for name in cls.FIELDS}

    def to_input(self) -> RuleInput:
        return RuleInput(**{name: self.cleaned_data[name] for name in self.FIELDS})


class OrderedFormSet(forms.BaseFormSet):
    def ordered_forms_kept(self) -> list[forms.Form]:
        """Filled, not deleted forms, in the order given (ORDER field, then position)."""
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.initial
            if not (self.can_delete and self._should_delete_form(form))
        ]
        return sorted(
            kept, key=lambda form: (form.cleaned_data.get("ORDER") or 10_000, self.forms.index(form))
        )


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=OrderedFormSet, extra=1, can_delete=True, can_order=True, max_num=60
)
RuleFormSet = forms.formset_factory(
    RuleForm, formset=OrderedFormSet, extra=1, can_delete=True, can_order=True, max_num=100
)


class ProtocolMetaForm(forms.Form):
    default_recommendation = forms.ChoiceField(
        label=_("Recommendation when no rule matches"), choices=Decision.choices
    )
    change_note = forms.CharField(label=_("What changed"), max_length=300)

    @staticmethod
    def initial_for(version: ProtocolVersion) -> dict:
        return {"default_recommendation": version.default_recommendation}


class FieldContactForm(forms.Form):
    """A responder opens an incident for someone they met on the street."""

    call_type = forms.ModelChoiceField(label=_("What is going on"), queryset=None, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False)
    language = forms.ChoiceField(label=_("Language of the person"), required=False)
    location = forms.CharField(label=_("Where"), max_length=255)
    details = forms.CharField(
        label=_("What you see"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from dispatch.models import CallType
        from volunteers.models import Area

        super().__init__(*args, **kwargs)
        self.fields["call_type"].queryset = CallType.objects.filter(is_active=True)
        self.fields["area"].queryset = Area.objects.filter(is_active=True)
        self.fields["language"].choices = [("", "—"), *settings.LANGUAGES]


# --- debriefs and wellbeing ---------------------------------------------------------------------


class DebriefForm(forms.Form):
    went_well = forms.CharField(
        label=_("What went well?"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    was_hard = forms.CharField(
        label=_("What was hard?"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    wants_to_talk = forms.TypedChoiceField(
        label=_("Would you like to talk to someone about it?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )


class CriticalFlagForm(forms.Form):
    note = forms.CharField(label=_("Why it was critical"), required=False, max_length=300)


class CheckInDoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class HistorySearchForm(forms.Form):
    """The search of past intakes and incidents (GET; every field optional)."""

    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    caller = forms.CharField(
        label=_("Caller number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    call_type = forms.ModelChoiceField(
        label=_("Call type"), queryset=CallType.objects.all(), required=False, empty_label=_("Any")
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.filter(is_active=True), required=False, empty_label=_("Any")
    )
    code = forms.CharField(
        label=_("Incident code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            ("", _("Any")),
            (_("Decision"), [(f"decision:{value}", label) for value, label in Decision.choices]),
            (
                _("Incident outcome"),
                [(f"incident:{value}", label) for value, label in Incident.Outcome.choices],
            ),
        ]

    def clean_caller(self) -> str:
        raw = self.cleaned_data["caller"].strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(_("Enter a whole phone number, e.g. +1 202 555 0143."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """Keyword arguments of selectors.past_intakes (after is_valid())."""
        data = self.cleaned_data
        decision = outcome = ""
        kind, _sep, value = (data.get("outcome") or "").partition(":")
        if kind == "decision":
            decision = value
        elif kind == "incident":
            outcome = value
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "caller": data.get("caller") or "",
            "call_type": data.get("call_type"),
            "decision": decision,
            "outcome": outcome,
            "area": data.get("area"),
            "code": (data.get("code") or "").strip().upper(),
        }


class ReferralApiLinkForm(forms.Form):
    """Which hand-off partner's API key confirms the referrals made to which directory partner."""

    handoff_partner = forms.ModelChoiceField(label=_("API key of"), queryset=None)
    partner = forms.ModelChoiceField(label=_("Confirms the referrals made to"), queryset=None)

    def __init__(self, *args, **kwargs):
        from hotline.models import HandoffPartner

        super().__init__(*args, **kwargs)
        self.fields["handoff_partner"].queryset = HandoffPartner.objects.filter(referral_link__isnull=True)
        self.fields["partner"].queryset = Partner.objects.filter(api_link__isnull=True, is_active=True)
