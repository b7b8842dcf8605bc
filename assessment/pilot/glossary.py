"""What each figure of the pilot dashboard means, as shown on hover and in the page's glossary.

Keep these in step with `assessment.pilot.selectors`, which computes them.
"""

from django.utils.translation import gettext_lazy as _

GLOSSARY: dict[str, tuple[str, str]] = {
    "period": (
        _("Period"),
        _(
            "Local dates in the pilot's time zone, both days included: from midnight at the start "
            "of the first day to midnight at the end of the last. Hours and weekdays are local "
            "time too, so a day when the clocks change has 23 or 25 hours."
        ),
    ),
    "contact": (
        _("Contact"),
        _(
            "One intake at the hotline: a phone call that got past the language menu, or a text "
            "conversation. It belongs to the day and hour it was opened, even if the call "
            "continues past midnight."
        ),
    ),
    "channels": (
        _("Contacts by channel"),
        _(
            "Contacts of the period by how the person reached the hotline: a phone call, a text, or in person."
        ),
    ),
    "sources": (
        _("Contacts by source"),
        _(
            "Contacts of the period by where they came from: the hotline's own number, a text, "
            "a transfer from 911, a request from police or 311, a partner organisation, or "
            "responders meeting someone in the field."
        ),
    ),
    "by_source": (
        _("Key figures by source"),
        _(
            "For the contacts from each source: contacts; triaged (a decision taken); sent "
            "responders (the decision was to send responders); the share handled without police "
            "(as defined below, over that source's triaged contacts); the median time to answer "
            "of the calls that became those contacts (none for texts and field contacts); the "
            "incidents opened from them; and the median time from dispatch to the first "
            "responder on scene. When the dashboard is narrowed to some sources, every contact, "
            "call, triage, incident, referral, repeat-caller and heatmap figure counts only "
            "contacts from those sources (a call that ended before it became a contact has no "
            "source and is then left out); volunteer, shift coverage and training figures are "
            "not per source."
        ),
    ),
    "answering": (
        _("Call answering"),
        _(
            "Inbound calls to the hotline number that started in the period, and how each ended. "
            "Answered within 15 s / 20 s: calls a volunteer accepted at most 15 / 20 seconds after "
            "the call reached the hotline (the safety message and the language menu included), "
            "over all inbound calls. The NENA call-answering standard for 911 centres is 90 % "
            "within 15 seconds and 95 % within 20 seconds. Missed: the caller was offered "
            "voicemail and left none. Abandoned: the caller hung up before anyone could answer."
        ),
    ),
    "answer_time": (
        _("Time to answer and to call back"),
        _(
            "Median (half the calls were faster) and 90th percentile (nine calls in ten were "
            "faster) of the time from a call reaching the hotline to a volunteer accepting it, "
            "over calls a volunteer answered; and of the time from the end of a call that left a "
            "voicemail to the first callback to that person, over voicemails called back."
        ),
    ),
    "voicemails": (
        _("Voicemails and callbacks"),
        _(
            "Calls of the period that ended in a voicemail; called back: a volunteer called the "
            "person back through the hotline afterwards; within one hour of the end of the call."
        ),
    ),
    "decisions": (
        _("Triage decisions"),
        _(
            "Contacts of the period by the dispatcher's decision. Not decided yet: a dispatcher "
            "has the contact but decided nothing. Not triaged: no dispatcher has opened it."
        ),
    ),
    "call_types": (
        _("Call types"),
        _("Triaged contacts (a decision taken) by the call type the dispatcher recorded."),
    ),
    "response_times": (
        _("Response times"),
        _(
            "For incidents (responders sent) opened from contacts of the period, median and 90th "
            "percentile of: the call's start (or the text's arrival) to the dispatch decision; and "
            "the dispatch to the first responder acknowledging, to the first responder en route, "
            "on scene, and to the team clearing. Each step counts the incidents that reached it."
        ),
    ),
    "outcomes": (
        _("Outcomes"),
        _(
            "Incidents opened from contacts of the period, by the outcome responders recorded. "
            "Cancelled: the incident was called off without an outcome. No outcome yet: still "
            "open or never recorded."
        ),
    ),
    "referrals": (
        _("Referrals by partner"),
        _(
            "Referrals to partner services for contacts of the period, made at triage (the "
            "decision was a referral) or as the outcome of an incident."
        ),
    ),
    "referral_loop": (
        _("Referrals: closing the loop"),
        _(
            "Per partner and service, the referrals made for contacts of the period; accepted (the "
            "partner confirmed it, or the person connected); connected (the partner confirmed the "
            "person reached the service); declined by the partner or the person unreachable; and "
            "the median time from the referral to the confirmed connection."
        ),
    ),
    "without_police": (
        _("Share handled without police"),
        _(
            "Triaged contacts (a decision taken) whose triage was not an escalation to 911/EMS, "
            "whose call was not transferred to 911 (911 answered the warm transfer), and whose "
            "incident, if any, did not end with police requested, over all triaged contacts of "
            "the period."
        ),
    ),
    "transfers": (
        _("Warm transfers"),
        _(
            "Calls a dispatcher bridged to 911, 988 or a partner line from the intake page, for "
            "contacts of the period, by where they went and what came of it: answered, no "
            "answer, busy, or failed (including a caller who hung up before the answer)."
        ),
    ),
    "police_time": (
        _("Police unit-hours avoided"),
        _(
            "For each hotline call type: its contacts handled without police (as defined above) "
            "times the police time one such call takes, summed. The police time is the mean "
            "police unit-hours on scene (from arrival, or dispatch, to clear, times the units "
            "sent, one when the file does not say) of the 911 call type, or else the 911 "
            "category, the call type is mapped to, in the 911 dataset chosen in the pilot's "
            "police-time settings; else the minutes set for the call type there; else the "
            "configured default minutes (PILOT_POLICE_MINUTES_DEFAULT). Call types with none of "
            "these are left out and counted apart. Cost: the unit-hours times the cost of a "
            "police unit-hour set there. An estimate: it assumes each contact would otherwise "
            "have been one 911 call answered by police."
        ),
    ),
    "repeat_callers": (
        _("Repeat callers"),
        _(
            "Phone numbers with 3 or more contacts within 30 days, all inside the period "
            "(withheld numbers are not counted), and the contacts of the period from them."
        ),
    ),
    "heatmap": (
        _("Contacts by weekday and hour"),
        _("Contacts of the period by the local weekday and hour they were opened."),
    ),
    "areas": (
        _("Contacts by area"),
        _(
            "Contacts by the area the dispatcher recorded, or else the one the hotline recorded. "
            "Every service area of the pilot is listed, with or without contacts."
        ),
    ),
    "volunteers": (
        _("Volunteers"),
        _(
            "On the roster: active volunteers approved for the role today. Served: volunteers "
            "marked attended on at least one shift of the role that started in the period. Hours "
            "served: the length of those shifts."
        ),
    ),
    "coverage": (
        _("Shift coverage"),
        _(
            "Share of the hotline's hours of operation in the period (up to now) during which at "
            "least the target number of people of the role were on shift (booked or attended; "
            "cancelled and no-show places do not count). All roles: every role met its target "
            "at once. Without hours of operation, the hotline is open around the clock."
        ),
    ),
    "training": (
        _("Training"),
        _(
            "Per active training module: completions recorded in the period; active volunteers "
            "holding a valid completion on the period's last day (today if earlier), also as a "
            "share of all active volunteers; completions that expired in the period, and that "
            "expire within 30 days after that day, with no later completion of the module."
        ),
    ),
    "diversion": (
        _("911/police calls the hotline stood in for"),
        _(
            'Contacts of the period whose answer to the optional question "If this line did not '
            'exist, who would you have called?" was 911 or the police non-emergency line (asked '
            "by phone after the call, by text after a text conversation, or by the dispatcher). "
            "Response rate: contacts with an answer over all contacts. The 95 % interval (Wilson "
            "score) is for the share of answers that were 911 or police; people who did not "
            "answer may differ from those who did."
        ),
    ),
    "heard_from": (
        _("How people heard about us"),
        _(
            'Contacts of the period by their answer to the optional question "How did you hear '
            'about us?"; shares are over the contacts that answered.'
        ),
    ),
    "equity_decisions": (
        _("Contacts and decisions by group"),
        _(
            "Contacts of the period by the chosen group of the person served (their optional, "
            'consented answers at close or follow-up; "Not recorded" when none) or by area, '
            "and by the triage decision. A person who chose several races or ethnicities counts "
            'in each. Counts from 1 to 10 are shown as "<11"; where a row or column total '
            "would reveal a hidden count, the next-smallest count of that row or column is "
            "hidden too. The page, the CSV export and the printed report hide the same cells."
        ),
    ),
    "equity_outcomes": (
        _("Incident outcomes by group"),
        _(
            "Incidents opened from contacts of the period by the group of the person served, "
            "or by area, and by the outcome responders recorded; small counts hidden as for "
            "contacts and decisions by group."
        ),
    ),
    "equity_service": (
        _("Referrals and answer times by group"),
        _(
            "By the group of the person served, or by area: referrals made for contacts of the "
            "period and those whose person connected to the service; calls a volunteer answered "
            "and their median time to answer, shown only for 11 calls or more. Small counts "
            "hidden as for contacts and decisions by group (against the column totals)."
        ),
    ),
}


def term(slug: str) -> str:
    return str(GLOSSARY[slug][0])


def definition(slug: str) -> str:
    return str(GLOSSARY[slug][1])
