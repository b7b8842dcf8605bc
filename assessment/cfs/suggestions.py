"""Suggested classification of raw call types: keyword rules first, then the Vera mapping.

Keyword rules are drawn from published scopes of community-responder programs (the issue lists
them): welfare checks, mental or behavioural health, intoxication, suicidal people without a
weapon, disturbances and noise, trespass, homelessness and discarded syringes are divertible;
shootings, stabbings, assaults, robberies, burglaries in progress and weapons are not. Danger
rules are checked first, so "SUICIDAL SUBJ W/ WEAPON" is not divertible.

When no rule matches, the Vera Institute's mapping of five cities' call types gives a category
(by exact or close match of the normalised name), and the category's default divertibility.
A suggestion never overrides a coordinator's decision.

Officer-initiated and administrative activity (traffic stops, business and premise checks,
patrols, returning to the station, special assignments, officers out of service...) is not a
call from the public: `officer_rule_for` recognises it from the call type's name
(`OFFICER_RULES`), the import stores the flag on the call type, a coordinator may change it,
and the analysis counts these calls apart so that every share has public-generated calls as its
denominator. Each rule names its source: the call type names of published exports (the
Milwaukee call data in assessment/tests/data, the Vera mapping's five cities) and the Vera
Institute's practice of setting officer-initiated activity apart from community-generated
calls in its 911 analyses.
"""

from __future__ import annotations

import bisect
import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from assessment.models import Divertibility

# The taxonomy: the Vera consolidated categories (typos and spacing normalised), in display order,
# with the divertibility each suggests by default.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("behavioral-health", "Behavioral Health", Divertibility.DIVERTIBLE),
    ("assisting-the-public", "Assisting the Public", Divertibility.DIVERTIBLE),
    ("complaints-environmental", "Complaints/Environmental Conditions", Divertibility.DIVERTIBLE),
    ("status-offenses", "Status Offenses", Divertibility.MAYBE),
    ("missing-persons", "Missing Persons", Divertibility.MAYBE),
    ("medical-emergencies", "Medical Emergencies", Divertibility.MAYBE),
    ("suspicion", "Suspicion", Divertibility.MAYBE),
    ("liquor-violations", "Liquor Violations", Divertibility.MAYBE),
    ("other-not-crime", "Other (Not Crime)", Divertibility.MAYBE),
    ("call-related-issues", "Call Related Issues", Divertibility.MAYBE),
    ("drugs", "Drugs", Divertibility.NOT_DIVERTIBLE),
    ("domestic-violence", "Domestic Violence", Divertibility.NOT_DIVERTIBLE),
    ("violent-crime", "Violent Crime", Divertibility.NOT_DIVERTIBLE),
    ("sex-offenses", "Sex Offenses", Divertibility.NOT_DIVERTIBLE),
    ("property-crime", "Property Crime", Divertibility.NOT_DIVERTIBLE),
    ("other-crimes", "Other Crimes", Divertibility.NOT_DIVERTIBLE),
    ("alarms", "Alarms", Divertibility.NOT_DIVERTIBLE),
    ("traffic", "Traffic", Divertibility.NOT_DIVERTIBLE),
    ("accidents-traffic-safety", "Accidents/Traffic Safety", Divertibility.NOT_DIVERTIBLE),
    ("fire", "Fire", Divertibility.NOT_DIVERTIBLE),
    ("officer-needs-help", "Officer Needs Help", Divertibility.NOT_DIVERTIBLE),
    ("warrants", "Warrants", Divertibility.NOT_DIVERTIBLE),
    ("statuses", "Statuses", Divertibility.NOT_DIVERTIBLE),
)

CATEGORY_ALIASES = {
    "assist the public": "Assisting the Public",
    "call related isuues": "Call Related Issues",
    "callback": "Call Related Issues",
    "medical": "Medical Emergencies",
    "warrant": "Warrants",
}


def canonical_category(raw: str) -> str | None:
    """The taxonomy name of a category as published ('Property Crime ' -> 'Property Crime'),
    or None for blanks and names that match nothing."""
    cleaned = " ".join(raw.split())
    if not cleaned:
        return None
    names = {name.casefold(): name for _slug, name, _div in CATEGORIES}
    folded = cleaned.casefold()
    if folded in names:
        return names[folded]
    if folded in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[folded]
    close = difflib.get_close_matches(folded, list(names), n=1, cutoff=0.85)
    return names[close[0]] if close else None


# Police CAD abbreviations, expanded before matching.
ABBREVIATIONS = {
    "ABAND": "ABANDONED",
    "ACC": "ACCIDENT",
    "ADDL": "ADDITIONAL",
    "ALR": "ALARM",
    "ARM": "ARMED",
    "ASLT": "ASSAULT",
    "AUD": "AUDIBLE",
    "BURG": "BURGLARY",
    "BUS": "BUSINESS",
    "BUSINES": "BUSINESS",
    "CHK": "CHECK",
    "CK": "CHECK",
    "COMPL": "COMPLAINT",
    "COMPLNT": "COMPLAINT",
    "CUST": "CUSTODY",
    "DAM": "DAMAGE",
    "DIST": "DISTURBANCE",
    "DISTURB": "DISTURBANCE",
    "DISTURBNCE": "DISTURBANCE",
    "DOA": "DEAD",
    "DV": "DOMESTIC VIOLENCE",
    "EDP": "EMOTIONALLY DISTURBED PERSON",
    "GOVT": "GOVERNMENT",
    "HARRASSMENT": "HARASSMENT",
    "INJ": "INJURY",
    "INTOX": "INTOXICATED",
    "INVESTIGATIO": "INVESTIGATION",
    "IP": "IN PROGRESS",
    "JUV": "JUVENILE",
    "MED": "MEDICAL",
    "MTNG": "MEETING",
    "NUIS": "NUISANCE",
    "OD": "OVERDOSE",
    "ORD": "ORDER",
    "PDO": "PROPERTY DAMAGE ONLY",
    "PERS": "PERSON",
    "PERSN": "PERSON",
    "PI": "PERSONAL INJURY",
    "PROP": "PROPERTY",
    "RECK": "RECKLESS",
    "RESD": "RESIDENCE",
    "RESI": "RESIDENCE",
    "SCHL": "SCHOOL",
    "SUBJ": "SUBJECT",
    "SUSP": "SUSPICIOUS",
    "TEN": "TENANT",
    "TRB": "TROUBLE",
    "TRBL": "TROUBLE",
    "TROUBL": "TROUBLE",
    "VEH": "VEHICLE",
    "VIOL": "VIOLATION",
    "W": "WITH",
    "WEAP": "WEAPON",
    "WPN": "WEAPON",
}

# Code prefixes of published call types: "113D_Disturbance", "6X - MAJOR DIST", "--THEFT - ALL".
_CODE_PREFIX = re.compile(
    r"^\s*(?:\*|-+|[0-9]{1,3}[A-Z]?_|(?=[0-9A-Z/]*[0-9])[0-9A-Z]{1,4}(?:/[0-9A-Z]{1,3})?\s+-\s+)"
)
_NON_WORD = re.compile(r"[^0-9A-Z]+")


# More abbreviations, for the keyword rules only: the Vera reference names were normalised with
# ABBREVIATIONS alone when they were loaded, and must stay comparable.
RULE_ABBREVIATIONS = {
    "ADMIN": "ADMINISTRATION",
    "ASSIGN": "ASSIGNMENT",
    "IND": "INDECENT",
    "MAINT": "MAINTENANCE",
    "OTH": "OTHER",
    "PRO": "PROPERTY",
    "REST": "RESTRAINING",
    "TS": "TRAFFIC STOP",
}


def rule_text(value: str) -> str:
    """The text keyword rules are matched against: normalised, more abbreviations expanded."""
    return " ".join(RULE_ABBREVIATIONS.get(word, word) for word in normalize_text(value).split())


def normalize_text(value: str) -> str:
    """Upper case, code prefix dropped, punctuation to spaces, abbreviations expanded."""
    upper = value.upper().replace("I/P", "IP").replace("W/O", "WITHOUT")
    upper = _CODE_PREFIX.sub("", upper)
    words = _NON_WORD.sub(" ", upper).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True)
class KeywordRule:
    name: str
    pattern: re.Pattern[str]
    category_slug: str
    divertibility: str
    source: str = ""


# Sources of the rules, as cited in each rule's `source`.
SCOPES = "published scopes of community-responder programs (see the module docstring)"


def _rule(
    name: str, pattern: str, category_slug: str, divertibility: str, source: str = SCOPES
) -> KeywordRule:
    return KeywordRule(name, re.compile(pattern), category_slug, divertibility, source)


MKE = "Milwaukee Police Department call data, 2018-05 (call type names; assessment/tests/data)"
VERA_TYPES = "call type names of the Vera Institute / Two Sigma mapping (assessment/data)"
VERA_OI = "Vera Institute 911 analyses: officer-initiated activity set apart from community-generated calls"

# Officer-initiated and administrative activity. Checked after the danger rules and before the
# others; each also gives the category and divertibility such a record is suggested.
OFFICER_RULES: tuple[KeywordRule, ...] = (
    _rule(
        "traffic or subject stop",
        r"\b(TRAFFIC STOPS?|TRAFFIC STOP TARGETED|SUBJECT STOP|PEDESTRIAN STOP|PED STOP|VEHICLE STOP|"
        r"TRAFFIC ENFORCEMENT|TRAFFIC LASER|RADAR|SPEED ENFORCEMENT)\b",
        "traffic",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (TS TARGETED, SUBJ STOP, TRAFFIC LASER); {VERA_TYPES} (Traffic Stop); {VERA_OI}",
    ),
    _rule(
        "premise or business check",
        r"\b(BUSINESS CHECK|BUSINESS INVESTIGATIO\w*|PREMISE CHECK|TAVERN CHECK|VACANT HOUSE CHECK|"
        r"HOUSE CHECK|SECURITY CHECK|BAR CHECK|CLOSE PATROL|EXTRA PATROL|VACATION CHECK)\b",
        "statuses",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (TAVERN CHECK, VACANT HOUSE CHK, BUS INVESTIGATIO); {VERA_OI}",
    ),
    _rule(
        "patrol",
        r"\b(PATROL|DIRECTED PATROL|PARK AND WALK|WALK AND TALK|FOOT PATROL|SCHOOL MONITORING|"
        r"COMMUNITY POLICING)\b",
        "statuses",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (PATROL, PARK AND WALK, SCHL MONITORING); {VERA_TYPES} (Walk and Talk); {VERA_OI}",
    ),
    _rule(
        "station, assignment or out of service",
        r"\b(RETURN (TO )?STATION|OUT OF SERVICE|SPECIAL ASSIGNMENT|ASSIGNMENT|POLICE ADMINISTRATION|"
        r"ADMINISTRATIVE|ADMINISTRATION|VEHICLE MAINTENANCE|POLICE ACADEMY|TRAINING|MEAL BREAK|"
        r"COURT|MEETING|MEET GOVERNMENT AGENCY|MEET MFD|REPORT TO|REPORTS|NOTIFICATION|"
        r"PROPERTY PICKUP|CONVEY PROPERTY|PRISONER|TRANSPORT PRISONER|FOLLOW ?UP|INVESTIGATION|"
        r"PROBATION|PAROLE|PROB PAROL\w*|WARRANT SERVICE|TRAFFIC CONTROL|MAIL RUN|PICKUP PARTNER|"
        r"CAR CHANGE|GAME PLAN|ESCORT|PLANT CAR)\b",
        "statuses",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (RETURN STATION, SPECIAL ASSIGN, POLICE ADMIN, OUT OF SERVICE, ASSIGNMENT, REPORTS, "
        f"INVESTIGATION, PROBATION/PAROLE, PROPERTY PICKUP, TRAFFIC CONTROL, MAIL RUN); {VERA_OI}",
    ),
)


def officer_rule_for(text: str) -> KeywordRule | None:
    """The rule saying this call type is officer-initiated or administrative, if any (a danger
    word wins: "SUBJECT STOP WITH WEAPON" is a call about a weapon)."""
    normalized = rule_text(text)
    if any(rule.pattern.search(normalized) for rule in KEYWORD_RULES[:DANGER_RULES]):
        return None
    for rule in OFFICER_RULES:
        if rule.pattern.search(normalized):
            return rule
    return None


# First match wins: every "not divertible" rule comes before the divertible ones.
KEYWORD_RULES: tuple[KeywordRule, ...] = (
    _rule(
        "weapon",
        r"\b(WEAPO\w*|GUNS?|FIREARMS?|ARMED|KNIFE|KNIVES)\b",
        "violent-crime",
        Divertibility.NOT_DIVERTIBLE,
    ),
    _rule(
        "shooting",
        r"\b(SHOOTINGS?|SHOOT|SHOTS?|SHOTSPOTTER)\b",
        "violent-crime",
        Divertibility.NOT_DIVERTIBLE,
    ),
    _rule(
        "stabbing", r"\b(STABBINGS?|STABBED|STAB|CUTTING)\b", "violent-crime", Divertibility.NOT_DIVERTIBLE
    ),
    _rule("assault", r"\b(ASSAULTS?|BATTERY|AGG ASSAULT)\b", "violent-crime", Divertibility.NOT_DIVERTIBLE),
    _rule(
        "robbery",
        r"\b(ROBBERY|ROBBERIES|HOLDUP|HOLD UP|CARJACKING)\b",
        "violent-crime",
        Divertibility.NOT_DIVERTIBLE,
    ),
    _rule(
        "burglary in progress",
        r"\bBURGLARY\b.*\b(IN PROGRESS|INPROGRESS|PROGRESS)\b|\b(IN PROGRESS)\b.*\bBURGLARY\b",
        "property-crime",
        Divertibility.NOT_DIVERTIBLE,
    ),
    _rule(
        "violence",
        r"\b(VIOLENT|HOMICIDE|MURDER|KIDNAP\w*|ABDUCT\w*|HOSTAGE)\b",
        "violent-crime",
        Divertibility.NOT_DIVERTIBLE,
    ),
    _rule("domestic violence", r"\bDOMESTIC VIOLENCE\b", "domestic-violence", Divertibility.NOT_DIVERTIBLE),
    _rule(
        "death",
        r"\b(DEAD|DEATH|DECEASED|DOA)\b",
        "other-not-crime",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (DEAD ON ENTRY); {VERA_TYPES}",
    ),
    _rule(
        "entry or burglary",
        r"\b(ENTRY|ENTRY AUTOS|BURGLARY|BREAK ?IN|STOLEN VEHICLE|AUTO THEFT|CAR THEFT|SHOPLIFT\w*|"
        r"RECOVERED VEHICLE|ALTERED CURRENCY|COUNTERFEIT|FORGERY|FRAUD)\b",
        "property-crime",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (ENTRY, ENTRY AUTOS, STOLEN VEHICLE, SHOPLIFTER); {VERA_TYPES}",
    ),
    _rule(
        "restraining order or sex offence",
        r"\b(RESTRAINING ORDER|PROTECTIVE ORDER|INJUNCTION|INDECENT EXPOSURE|SEX\w*|RAPE|PROSTITUT\w*)\b",
        "other-crimes",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (VIOL REST ORDER, IND EXPOSURE); {VERA_TYPES}",
    ),
    _rule(
        "drugs",
        r"\b(DRUGS?|NARCOTICS?|DRUG DEALING)\b",
        "drugs",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (DRUG DEALING); {VERA_TYPES}",
    ),
    _rule(
        "reckless driving or fleeing vehicle",
        r"\b(RECKLESS|PURSUIT|HIT AND RUN|DUI|OWI|DRAG RACING)\b",
        "traffic",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (RECKLESS VEHICLE, NON PURSUIT); {VERA_TYPES}",
    ),
    _rule(
        "wanted person or warrant",
        r"\b(WANTED|WARRANTS?)\b",
        "warrants",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (SUBJ WANTED); {VERA_TYPES}",
    ),
    _rule(
        "crime, other",
        r"\b(GAMBLING|NETWORK CRIMINAL|CRIMINAL|THREATS?|ENTICEMENT|CONTRIBUTING|GRAFFITI)\b",
        "other-crimes",
        Divertibility.NOT_DIVERTIBLE,
        f"{MKE} (GAMBLING, NETWORK CRIMINAL); {VERA_TYPES}",
    ),
    _rule("suicidal (no weapon)", r"\bSUICID", "behavioral-health", Divertibility.DIVERTIBLE),
    _rule(
        "welfare check",
        r"\b(WELFARE|WELL ?BEING|WELL CHECK|CHECK ON WELL)\b",
        "assisting-the-public",
        Divertibility.DIVERTIBLE,
    ),
    _rule(
        "mental or behavioural health",
        r"\b(MENTAL|BEHAVIOU?RAL|PSYCH\w*|EMOTIONAL\w*|EMOTIONALLY|CRISIS)\b",
        "behavioral-health",
        Divertibility.DIVERTIBLE,
    ),
    _rule(
        "intoxicated person",
        r"\b(INTOXICATED|INTOXICATION|DRUNK\w*|INEBRIATED?)\b",
        "behavioral-health",
        Divertibility.DIVERTIBLE,
    ),
    _rule(
        "disturbance or noise",
        r"\b(DISTURBANCES?|NOISE|NUISANCE|LOUD)\b",
        "complaints-environmental",
        Divertibility.DIVERTIBLE,
    ),
    _rule("trespass", r"\b(TRESPASS\w*)\b", "complaints-environmental", Divertibility.DIVERTIBLE),
    _rule(
        "homelessness",
        r"\b(HOMELESS\w*|TRANSIENTS?|ENCAMPMENTS?|UNHOUSED|VAGRAN\w*)\b",
        "assisting-the-public",
        Divertibility.DIVERTIBLE,
    ),
    _rule("syringe", r"\b(SYRINGES?|NEEDLES?)\b", "complaints-environmental", Divertibility.DIVERTIBLE),
    _rule(
        "trouble with a person or juvenile",
        r"\bTROUBLE WITH (SUBJECT|JUVENILE|PERSON)S?\b|\bJUVENILE (TROUBLE|PROBLEM|COMPLAINT)\b",
        "complaints-environmental",
        Divertibility.MAYBE,
        f"{MKE} (TRBL W/SUBJ, TRBL W/JUV): a dispute or disturbance, a weapon or violence is its own type",
    ),
    _rule(
        "family or neighbour dispute",
        r"\b(FAMILY TROUBLE|FAMILY DISPUTE|FAMILY FIGHT|NEIGHBOU?R (TROUBLE|DISPUTE)|LANDLORD|TENANT|"
        r"CHILD CUSTODY|CUSTODY|CIVIL (MATTER|DISPUTE|PROBLEM))\b",
        "assisting-the-public",
        Divertibility.MAYBE,
        f"{MKE} (FAMILY TROUBLE, LANDLORD/TEN TRB, CHILD CUSTODY); {SCOPES}",
    ),
    _rule(
        "animal or parking complaint",
        r"\b(ANIMALS?|DOGS?|PARKING( TROUBLE| COMPLAINT| VIOLATION)?|ABANDONED VEHICLE)\b",
        "complaints-environmental",
        Divertibility.DIVERTIBLE,
        f"{MKE} (LOOSE ANIMAL, PARKING TROUBLE); {VERA_TYPES}",
    ),
    _rule(
        "transport or assistance",
        r"\b(CITIZEN CONVEY|CONVEY|ASSIST CITIZEN|CITIZEN ASSIST|LOCKOUT|"
        r"LOST (PROPERTY|CHILD|PERSON)|FOUND PROPERTY|ABANDONED PROPERTY|ABANDONED STOLEN PROPERTY)\b",
        "assisting-the-public",
        Divertibility.DIVERTIBLE,
        f"{MKE} (CITIZEN CONVEY, LOST CHILD, ABAND/STOLEN PRO); {SCOPES}",
    ),
    _rule(
        "medical",
        r"\b(MEDICAL|AMBULANCE|EMS|SICK|INJURED|OVERDOSE|UNCONSCIOUS|SEIZURE)\b",
        "medical-emergencies",
        Divertibility.MAYBE,
        f"{MKE} (MED RUN); {VERA_TYPES}",
    ),
    _rule(
        "traffic accident, property damage",
        r"\bACCIDENT\b.*\bPROPERTY DAMAGE\b|\bPROPERTY DAMAGE ONLY\b",
        "accidents-traffic-safety",
        Divertibility.MAYBE,
        f"{MKE} (ACC PDO): no injury; reports are often taken without an officer",
    ),
    _rule(
        "suspicious",
        r"\b(SUSPICIOUS|SUSPICION|PROWLER|SOLICIT\w*|PANHANDL\w*|LOITER\w*)\b",
        "suspicion",
        Divertibility.MAYBE,
        f"{MKE} (SUSPICIOUS-OTH, SOLICITING); {VERA_TYPES}",
    ),
    _rule(
        "call for police",
        r"\b(CALL FOR POLICE|CALL POLICE)\b",
        "call-related-issues",
        Divertibility.MAYBE,
        f"{MKE} (CALL FOR POLICE)",
    ),
)
# The rules before this index name danger (weapons, violence): no officer-initiated rule and no
# softer rule may override them.
DANGER_RULES = 8


def keyword_rule_for(text: str) -> KeywordRule | None:
    """The rule that classifies this call type: danger rules first, then officer-initiated
    activity, then the others, in order."""
    normalized = rule_text(text)
    for rule in (*KEYWORD_RULES[:DANGER_RULES], *OFFICER_RULES, *KEYWORD_RULES[DANGER_RULES:]):
        if rule.pattern.search(normalized):
            return rule
    return None


@dataclass(frozen=True)
class ReferenceEntry:
    city: str
    name: str
    normalized: str
    count: int
    category_id: int


@dataclass(frozen=True)
class Suggestion:
    category_id: int | None
    divertibility: str
    source: str  # "keyword", "vera" or ""
    note: str
    officer_rule: str = ""  # the officer-initiated rule that matched, if any


NO_SUGGESTION = Suggestion(None, Divertibility.UNCLASSIFIED, "", "")
# Below this word similarity (Jaccard), a published call type is not a match.
MIN_SIMILARITY = 0.6
_STOP_WORDS = frozenset(
    {"THE", "OF", "AND", "OR", "A", "AN", "TO", "ON", "IN", "AT", "FOR", "BY", "OTHER", "CALL"}
)


class ReferenceIndex:
    """Published call types by normalised name and by word, for exact and close matches."""

    def __init__(self, entries: Iterable[ReferenceEntry]):
        self.exact: dict[str, list[ReferenceEntry]] = defaultdict(list)
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.words: dict[str, frozenset[str]] = {}
        for entry in entries:
            self.exact[entry.normalized].append(entry)
            if entry.normalized not in self.words:
                words = frozenset(entry.normalized.split()) - _STOP_WORDS
                self.words[entry.normalized] = words
                for word in words:
                    self.by_word[word].add(entry.normalized)
        self.vocabulary = sorted(self.by_word)

    def _extensions(self, word: str) -> list[str]:
        """Known words that a truncated word ("INVESTIGATIO") is a prefix of."""
        if len(word) < 5:
            return []
        start = bisect.bisect_left(self.vocabulary, word)
        found = []
        for known in self.vocabulary[start:]:
            if not known.startswith(word):
                break
            if known != word:
                found.append(known)
        return found

    def match(self, text: str) -> tuple[ReferenceEntry, float] | None:
        normalized = normalize_text(text)
        if not normalized:
            return None
        exact = self.exact.get(normalized)
        if exact:
            return _weightiest(exact), 1.0
        words = frozenset(normalized.split()) - _STOP_WORDS
        if not words:
            return None
        # Each query word with the known words it stands for (itself, or what it truncates).
        expanded = {word: {word, *self._extensions(word)} for word in words}
        candidates: set[str] = set()
        for forms in expanded.values():
            for form in forms:
                candidates.update(self.by_word.get(form, ()))
        best: tuple[float, int, str] | None = None
        for name in candidates:
            other = self.words[name]
            shared = sum(1 for forms in expanded.values() if not forms.isdisjoint(other))
            score = shared / (len(words) + len(other) - shared)
            weight = sum(item.count for item in self.exact[name])
            if best is None or (score, weight) > (best[0], best[1]):
                best = (score, weight, name)
        if best is None or best[0] < MIN_SIMILARITY:
            return None
        return _weightiest(self.exact[best[2]]), best[0]


def _weightiest(entries: list[ReferenceEntry]) -> ReferenceEntry:
    """Where cities disagree on a name, the category with the most calls behind it."""
    votes: dict[int, int] = defaultdict(int)
    for entry in entries:
        votes[entry.category_id] += max(entry.count, 1)
    category_id = max(votes, key=lambda key: votes[key])
    return max(
        (entry for entry in entries if entry.category_id == category_id), key=lambda entry: entry.count
    )


def suggest(
    *,
    code: str,
    description: str,
    reference: ReferenceIndex,
    categories_by_slug: dict[str, tuple[int, str]],
    categories_by_id: dict[int, tuple[str, str]],
) -> Suggestion:
    """The suggestion for one raw call type.

    categories_by_slug: slug -> (id, default divertibility); categories_by_id: id -> (name, default).
    """
    text = description or code
    officer = officer_rule_for(text)
    rule = keyword_rule_for(text)
    if rule is not None:
        category = categories_by_slug.get(rule.category_slug)
        return Suggestion(
            category[0] if category else None,
            rule.divertibility,
            "keyword",
            f"keyword rule: {rule.name}",
            officer.name if officer else "",
        )
    match = reference.match(text)
    if match is None and description and code:
        match = reference.match(code)
    if match is not None:
        entry, score = match
        name, default = categories_by_id.get(entry.category_id, ("", Divertibility.UNCLASSIFIED))
        closeness = "" if score >= 1.0 else f", {math.floor(score * 100)}% word match"
        return Suggestion(
            entry.category_id,
            default,
            "vera",
            f"Vera mapping: {entry.city} “{entry.name}” → {name}{closeness}",
        )
    return NO_SUGGESTION
