"""Alarms, as dispatchers act on them: acknowledge (the banner leaves every console) and resolve
(the incident is no longer flagged); and the TwiML of the call to the on-call coordinator,
which Twilio requests (signed) when they answer.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from dispatch import selectors, services
from dispatch.models import Alarm
from hotline.signatures import twilio_webhook
from hotline.twiml import VOICES, twiml_response
from volunteers.roles import Role, role_required

from ._common import INCIDENT, _audit_change


def _back(request, alarm: Alarm):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(alarm.incident)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def alarm_acknowledge(request, pk: int):
    alarm = selectors.alarm_get_for_dispatcher(user=request.user, pk=pk)
    if services.alarm_acknowledge(alarm=alarm, by=request.user):
        _audit_change(request, INCIDENT, alarm.incident_id, f"alarm acknowledged: {alarm.kind}")
        messages.success(request, _("Alarm acknowledged: %(kind)s.") % {"kind": alarm.get_kind_display()})
    return _back(request, alarm)


@never_cache
@role_required(Role.DISPATCHER)
@require_POST
def alarm_resolve(request, pk: int):
    alarm = selectors.alarm_get_for_dispatcher(user=request.user, pk=pk)
    if services.alarm_resolve(alarm=alarm, by=request.user, note=request.POST.get("note", "")[:500]):
        _audit_change(request, INCIDENT, alarm.incident_id, f"alarm resolved: {alarm.kind}")
        messages.success(request, _("Alarm resolved: %(kind)s.") % {"kind": alarm.get_kind_display()})
    return _back(request, alarm)


@twilio_webhook
def alarm_voice(request, pk: int):
    """What the on-call coordinator hears: the alarm, the incident code and the call type."""
    alarm = get_object_or_404(Alarm.objects.select_related("incident__call_type"), pk=pk)
    language = settings.LANGUAGE_CODE.split("-")[0]
    voice, locale = VOICES.get(language, VOICES["en"])
    incident = alarm.incident
    with translation.override(language):
        code = " ".join(incident.code)  # spelled out, letter by letter
        sentence = _(
            "Hotline alarm. %(alarm)s. Incident %(code)s, %(call_type)s. Please check the console."
        ) % {
            "alarm": alarm.get_kind_display(),
            "code": code,
            "call_type": incident.call_type or _("call"),
        }
    response = VoiceResponse()
    for _repeat in range(2):
        response.say(sentence, voice=voice, language=locale)
        response.pause(length=1)
    return twiml_response(response)
