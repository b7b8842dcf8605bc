"""How a call came in, from a call-source column ("Call Type" in Seattle's export, "Source",
"Initiated By"...): public-generated (911, a phone line, text, an alarm company, a walk-in) or
officer-initiated (on view, self-initiated, field-initiated).

`source_kind` reads one value; detection (`detection.detect_columns`) recognises a source
column by how many of its values it reads, and the import stores each call's kind so that the
analysis can count public-generated calls apart from officers' own activity.
"""

from __future__ import annotations

import re

PUBLIC = "public"
OFFICER = "officer"

# Normalised (upper case, letters and digits only, single spaces) values as exports write them.
_OFFICER = re.compile(
    r"^(ON ?VIEW|ONVIEW|OFFICER( INITIATED| INIT| SELF INITIATED)?|SELF( INITIATED| INIT)?|SELF DISPATCH(ED)?|"
    r"FIELD( INITIATED| INIT| CONTACT)?|PROACTIVE|OI|SI|OV|POLICE INITIATED|UNIT INITIATED|"
    r"OFFICER GENERATED|PATROL INITIATED|RADIO OFFICER|MOBILE DATA TERMINAL|MDT)$"
)
_PUBLIC = re.compile(
    r"^(9 ?1 ?1|E ?9 ?1 ?1|911 CALL|911 LINE|EMERGENCY( LINE| CALL)?|PHONE|TELEPHONE( OTHER NOT 911)?|"
    r"TEL|NON ?EMERGENCY( LINE| CALL)?|3 ?1 ?1|WALK ?IN|IN PERSON|CITIZEN( INITIATED| CALL)?|PUBLIC|"
    r"CALL ?IN|CALLER|TEXT( MESSAGE| TO 911)?|TEXT 911|ALARM( CALL| COMPANY)?( NOT POLICE ALARM)?|"
    r"ONLINE|INTERNET|WEB|EMAIL|TTY|TDD|CALL TAKER|COMMUNITY GENERATED|PUBLIC GENERATED|"
    r"CITIZEN GENERATED|CALL FOR SERVICE|CFS)$"
)
_NON_WORD = re.compile(r"[^0-9A-Z]+")


def source_kind(value: str) -> str:
    """PUBLIC, OFFICER, or "" when the value says neither."""
    words = _NON_WORD.sub(" ", value.upper()).strip()
    if not words:
        return ""
    if _OFFICER.match(words):
        return OFFICER
    if _PUBLIC.match(words):
        return PUBLIC
    return ""
