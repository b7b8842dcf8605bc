"""Queries of the dispatch app that views, services and tasks share.

The console polls `queue_intakes` and `open_incidents` every two seconds: each is one query
whatever the number of rows, with everything the rows show annotated or joined.

One module per concept:

    protocol      the current screening protocol, and a version as plain data for the engine
    intakes       the console's queue, one intake for a dispatcher, caller history, past intakes
    incidents     open incidents with their team counts, one for a dispatcher, free responders
    alarms        open alarms for the console, one for a dispatcher, the on-call coordinator now
    staffing      why a team is not full, and the responders a dispatcher may hand-pick
    status_board  the console's board of responders and how urgent a waiting intake is
    responders    the signed links texted to responders, their open call-outs
    follow_ups    the follow-up lists, the overdue count, one follow-up for a dispatcher

Other modules and apps import from here (`from dispatch.selectors import current_protocol`). To
replace a name in a test, patch it in the module that looks it up.
"""

from .alarms import alarm_get_for_dispatcher, on_call_coordinator, open_alarms
from .follow_ups import (
    FOLLOW_UP_VIEWS,
    follow_up_get_for_dispatcher,
    follow_ups_overdue_count,
    follow_ups_waiting,
)
from .incidents import (
    busy_volunteer_ids,
    incident_get_for_dispatcher,
    incident_timeline,
    open_incidents,
    responder_candidates,
    with_team_counts,
)
from .intakes import (
    CallerHistory,
    caller_history,
    caller_history_since,
    intake_get_for_dispatcher,
    past_intakes,
    queue_intakes,
    triage_for,
)
from .protocol import current_protocol, protocol_spec
from .responders import (
    RESPONDER_LINK_SALT,
    call_out_landing_path,
    incidents_for_volunteer,
    pending_answers_for,
    responder_assignment_from_token,
    responder_path,
    responder_token,
    responder_url,
    volunteer_may_respond,
)
from .staffing import (
    Staffing,
    busy_codes,
    hand_pick_candidates,
    qualified_volunteers,
    staffing_for,
    staffing_summary,
)
from .status_board import UnitRow, UnitStatus, Urgency, WaitUrgency, unit_status_board, wait_urgency

__all__ = [
    "FOLLOW_UP_VIEWS",
    "RESPONDER_LINK_SALT",
    "CallerHistory",
    "Staffing",
    "UnitRow",
    "UnitStatus",
    "Urgency",
    "WaitUrgency",
    "alarm_get_for_dispatcher",
    "busy_codes",
    "busy_volunteer_ids",
    "call_out_landing_path",
    "caller_history",
    "caller_history_since",
    "current_protocol",
    "follow_up_get_for_dispatcher",
    "follow_ups_overdue_count",
    "follow_ups_waiting",
    "hand_pick_candidates",
    "incident_get_for_dispatcher",
    "incident_timeline",
    "incidents_for_volunteer",
    "intake_get_for_dispatcher",
    "on_call_coordinator",
    "open_alarms",
    "open_incidents",
    "past_intakes",
    "pending_answers_for",
    "protocol_spec",
    "qualified_volunteers",
    "queue_intakes",
    "responder_assignment_from_token",
    "responder_candidates",
    "responder_path",
    "responder_token",
    "responder_url",
    "staffing_for",
    "staffing_summary",
    "triage_for",
    "unit_status_board",
    "volunteer_may_respond",
    "wait_urgency",
    "with_team_counts",
]
