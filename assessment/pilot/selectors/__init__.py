"""The pilot's metrics: what funders and city partners ask every community-responder program.

One module per section of the dashboard:

- `periods`: the `Period` every metric is filtered by (local dates in settings.TIME_ZONE, both
  included, optionally narrowed to some contact sources) and the pilot it belongs to;
- `durations`: counts, medians and 90th percentiles of durations (PostgreSQL percentile_cont,
  or interpolated from the fetched seconds on SQLite);
- `contacts`: contact volume by channel, source, call type and area, from one grouped pass
  (`contact_slices`) the other sections fold their counts from;
- `outcomes`: triage decisions, the share handled without police, incident outcomes, referrals;
- `sources`: the key figures side by side per contact source;
- `answering`: answer times of inbound calls, voicemails and callbacks;
- `response_times`: the incident response chain (decision, acknowledged, en route, on scene,
  cleared);
- `police_time`: police unit-hours avoided (handled-without-police contacts x the police time
  on scene of the 911 calls each call type stands in for, from the imported 911 data);
- `repeat_callers`, `heatmap` (weekday x hour), `volunteers` (roster, hours, training) and
  `coverage` (hours of operation meeting the staffing targets);
- `evidence`: the optional diversion questions (who the person would have called without the
  hotline, how they heard of it) with a response rate and a 95 % interval;
- `equity`: contacts, decisions, outcomes, answer times and referrals by the people's optional
  demographics or by area (suppressed by `assessment.pilot.suppression` when shown);
- `metrics`: `Metrics`, every section of one period computed on first use, concurrently on
  PostgreSQL by `prefetch`.

The metrics of a period are computed by a fixed number of aggregate queries whatever the number
of contacts. A period narrowed to some sources (`Period.sources`) counts only contacts from them
in every contact, call, incident and referral query; volunteers, coverage and training are not
per source. Definitions shown on the dashboard are in `assessment.pilot.glossary`; keep the two
in step.

Vocabulary:
- a *contact* is a hotline intake (a call that got past the language menu, a text
  conversation, a person met in the field), placed in time by when it was opened;
- a *call* is an inbound call to the hotline number, placed in time by when it reached it.
"""

from assessment.pilot.selectors.answering import ANSWER_TARGETS, Answering, Callbacks, calls
from assessment.pilot.selectors.contacts import AreaRow, Row, Slice, contact_slices, contacts
from assessment.pilot.selectors.coverage import ALL_ROLES, Coverage, shift_coverage, staffing_targets
from assessment.pilot.selectors.durations import FRACTIONS, Stats
from assessment.pilot.selectors.equity import DEFAULT_GROUP, GROUPS, EquityRow, equity
from assessment.pilot.selectors.evidence import Diversion, diversion, wilson_interval
from assessment.pilot.selectors.heatmap import heatmap
from assessment.pilot.selectors.metrics import Metrics
from assessment.pilot.selectors.outcomes import (
    CANCELLED,
    NO_OUTCOME,
    NOT_TRIAGED,
    UNDECIDED,
    ReferralRow,
    WithoutPolice,
    referrals_by_partner,
)
from assessment.pilot.selectors.periods import (
    HOURS,
    WEEKDAYS,
    Period,
    default_period,
    local_zone,
    pilot_settings,
    share,
)
from assessment.pilot.selectors.police_time import PoliceTime, PoliceTimeRow
from assessment.pilot.selectors.repeat_callers import RepeatCallers, repeat_callers
from assessment.pilot.selectors.response_times import RESPONSE_STEPS, ResponseChain, response_chain
from assessment.pilot.selectors.sources import SourceFigures
from assessment.pilot.selectors.volunteers import Training, VolunteerActivity, training, volunteer_activity

__all__ = [
    "DEFAULT_GROUP",
    "GROUPS",
    "Diversion",
    "EquityRow",
    "diversion",
    "equity",
    "wilson_interval",
    "ALL_ROLES",
    "ANSWER_TARGETS",
    "CANCELLED",
    "FRACTIONS",
    "HOURS",
    "NOT_TRIAGED",
    "NO_OUTCOME",
    "RESPONSE_STEPS",
    "UNDECIDED",
    "WEEKDAYS",
    "Answering",
    "AreaRow",
    "Callbacks",
    "Coverage",
    "Metrics",
    "Period",
    "PoliceTime",
    "PoliceTimeRow",
    "ReferralRow",
    "referrals_by_partner",
    "RepeatCallers",
    "ResponseChain",
    "Row",
    "Slice",
    "SourceFigures",
    "Stats",
    "Training",
    "VolunteerActivity",
    "WithoutPolice",
    "calls",
    "contact_slices",
    "contacts",
    "default_period",
    "heatmap",
    "local_zone",
    "pilot_settings",
    "repeat_callers",
    "response_chain",
    "share",
    "shift_coverage",
    "staffing_targets",
    "training",
    "volunteer_activity",
]
