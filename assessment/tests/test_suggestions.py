"""Suggested classifications: keyword rules from program scopes, and the Vera mapping."""

import pytest
from django.core.management import call_command

from assessment.cfs.reference import reference_load
from assessment.cfs.suggestions import (
    DANGER_RULES,
    KEYWORD_RULES,
    OFFICER_RULES,
    ReferenceEntry,
    ReferenceIndex,
    canonical_category,
    keyword_rule_for,
    normalize_text,
    officer_rule_for,
)
from assessment.models import CfsCallType, CfsCategory, CfsReferenceCallType, Divertibility
from assessment.services import cfs_call_type_classify, cfs_call_types_suggest
from assessment.tests.factories import CfsCallTypeFactory, CfsCityFactory, write_csv

DIVERTIBLE, NOT = Divertibility.DIVERTIBLE, Divertibility.NOT_DIVERTIBLE


@pytest.mark.parametrize(
    ("text", "rule", "divertibility"),
    [
        ("WELFARE CITIZEN", "welfare check", DIVERTIBLE),
        ("Check on Welfare", "welfare check", DIVERTIBLE),
        ("121C_Mental Disordr NonViolent", "mental or behavioural health", DIVERTIBLE),
        ("EDP", "mental or behavioural health", DIVERTIBLE),
        ("PUBLIC INTOX", "intoxicated person", DIVERTIBLE),
        ("*Suicidal Person_In Progress", "suicidal (no weapon)", DIVERTIBLE),
        ("DISTURBANCE (OTHER)", "disturbance or noise", DIVERTIBLE),
        ("NOISE NUISANCE", "disturbance or noise", DIVERTIBLE),
        ("LOUD MUSIC - VEH", "disturbance or noise", DIVERTIBLE),
        ("--PROWLER - TRESPASS", "trespass", DIVERTIBLE),
        ("HOMELESS ENCAMPMENT", "homelessness", DIVERTIBLE),
        ("SYRINGE PICKUP", "syringe", DIVERTIBLE),
        ("127D_Suicide Threat Weapon", "weapon", NOT),
        ("SUICIDAL SUBJ W/ WEAPON", "weapon", NOT),
        ("113D_Disturbance Verbal Sm Wpn", "weapon", NOT),
        ("SUBJ WITH GUN", "weapon", NOT),
        ("SHOTS FIRED IP", "shooting", NOT),
        ("SHOOTING", "shooting", NOT),
        ("STABBING", "stabbing", NOT),
        ("BATTERY CUTTING", "stabbing", NOT),
        ("FELONIOUS ASSAULT IP", "assault", NOT),
        ("ROBBERY", "robbery", NOT),
        ("BURGLARY OCCUPIED RESD I/P", "burglary in progress", NOT),
        ("121D_Mental Disorder Violent", "violence", NOT),
    ],
)
def test_keyword_rules(text, rule, divertibility):
    matched = keyword_rule_for(text)
    assert matched is not None
    assert (matched.name, matched.divertibility) == (rule, divertibility)


@pytest.mark.parametrize("text", ["THEFT", "FIRE", "CITIZEN CONTACT", "XYZZY"])
def test_no_keyword_rule_for_other_types(text):
    assert keyword_rule_for(text) is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("TRAFFIC STOP", "traffic or subject stop"),
        ("TS TARGETED", "traffic or subject stop"),
        ("BUSINESS CHECK", "premise or business check"),
        ("TAVERN CHECK", "premise or business check"),
        ("PATROL", "patrol"),
        ("PARK AND WALK", "patrol"),
        ("RETURN STATION", "station, assignment or out of service"),
        ("SPECIAL ASSIGN", "station, assignment or out of service"),
        ("POLICE ADMIN", "station, assignment or out of service"),
        ("OUT OF SERVICE", "station, assignment or out of service"),
    ],
)
def test_officer_initiated_activity_is_recognised(text, rule):
    assert officer_rule_for(text).name == rule
    assert keyword_rule_for(text).name == rule  # and classified by the same rule


@pytest.mark.parametrize(
    "text", ["SUBJ STOP WITH GUN", "TRAFFIC STOP SHOTS FIRED", "WELFARE CITIZEN", "TRBL W/SUBJ"]
)
def test_danger_and_public_calls_are_not_officer_initiated(text):
    assert officer_rule_for(text) is None


def test_every_rule_names_its_source():
    assert all(rule.source for rule in (*OFFICER_RULES, *KEYWORD_RULES))


def test_normalize_text_strips_codes_and_expands_abbreviations():
    assert normalize_text("113D_Disturbnce Verbal") == "DISTURBANCE VERBAL"
    assert normalize_text("6X - MAJOR DIST (VIOLENCE)") == "MAJOR DISTURBANCE VIOLENCE"
    assert normalize_text("--SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON") == "SUSPICIOUS CIRCUM SUSPICIOUS PERSON"
    assert normalize_text("TRBL W/SUBJ") == "TROUBLE WITH SUBJECT"
    assert normalize_text("FOOT - ELUDING POLICE") == "FOOT ELUDING POLICE"  # no digit: not a code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Property Crime ", "Property Crime"),
        ("Assisting the Public ", "Assisting the Public"),
        ("Assist the Public", "Assisting the Public"),
        ("Call Related Isuues", "Call Related Issues"),
        ("Warrant", "Warrants"),
        ("behavioral health", "Behavioral Health"),
        ("Behavioural Health", "Behavioral Health"),
        ("", None),
        ("   ", None),
        ("???", None),
    ],
)
def test_vera_categories_are_normalised(raw, expected):
    assert canonical_category(raw) == expected


def _index():
    return ReferenceIndex(
        [
            ReferenceEntry("Detroit", "INVESTIGATE PERSON", "INVESTIGATE PERSON", 500, 1),
            ReferenceEntry("Seattle", "SICK PERSON", "SICK PERSON", 300, 2),
            ReferenceEntry("Dallas", "SICK PERSON", "SICK PERSON", 100, 3),
            ReferenceEntry("Dallas", "BUSINESS INVESTIGATION", "BUSINESS INVESTIGATION", 50, 4),
        ]
    )


def test_reference_exact_match_takes_the_category_with_most_calls():
    entry, score = _index().match("Sick Person")
    assert (entry.city, entry.category_id, score) == ("Seattle", 2, 1.0)


def test_reference_close_match_understands_truncated_words():
    entry, score = _index().match("BUS INVESTIGATIO")  # Milwaukee truncates at 16 characters
    assert entry.name == "BUSINESS INVESTIGATION"
    assert score == 1.0


def test_reference_match_needs_enough_shared_words():
    assert _index().match("PERSON DOWN IN WATER") is None


@pytest.mark.django_db
def test_the_migration_loaded_the_vera_mapping_without_blank_categories():
    assert CfsCategory.objects.count() == 23
    assert CfsReferenceCallType.objects.count() == 3227 - 248
    assert not CfsReferenceCallType.objects.filter(raw_category="").exists()
    hang_up = CfsReferenceCallType.objects.get(city="Charleston", name="911 Hang Up")
    assert hang_up.category.name == "Call Related Issues"


@pytest.mark.django_db
def test_reference_load_reports_blank_and_unknown_categories(tmp_path):
    path = write_csv(
        tmp_path / "vera.csv",
        [
            ["City", "Column_name", "Field 1", "Count", "Category", "Category - Alternate"],
            ["A", "Type", "WELFARE CHECK", "10", "Assisting the Public ", ""],
            ["A", "Type", "MYSTERY", "5", "", "?"],
            ["A", "Type", "ODD", "5", "Space Crimes", ""],
        ],
    )
    report = reference_load(CfsCategory, CfsReferenceCallType, path)
    assert (report.loaded, report.blank_category, report.unknown_category) == (1, 1, 1)
    assert report.unknown_names == ("Space Crimes",)
    assert CfsReferenceCallType.objects.get().category.name == "Assisting the Public"


@pytest.mark.django_db
def test_load_cfs_reference_command_refuses_other_files(tmp_path):
    path = write_csv(tmp_path / "other.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(Exception, match="does not look like the Vera call-type file"):
        call_command("load_cfs_reference", str(path))
    assert CfsReferenceCallType.objects.count() == 2979  # unchanged


@pytest.mark.django_db
def test_suggestions_classify_unreviewed_types_and_never_overwrite_reviews(coordinator):
    city = CfsCityFactory()
    welfare = CfsCallTypeFactory(city=city, key="WELFARE CHECK")
    hang_up = CfsCallTypeFactory(city=city, key="911 HANG UP", description="911 Hang Up")
    weapon = CfsCallTypeFactory(city=city, key="SUBJ WITH GUN")
    unknown = CfsCallTypeFactory(city=city, key="XYZZY")
    reviewed = CfsCallTypeFactory(city=city, key="NOISE")
    cfs_call_type_classify(
        call_type=reviewed, category=None, divertibility=Divertibility.NOT_DIVERTIBLE, user=coordinator
    )

    cfs_call_types_suggest(city=city)

    welfare.refresh_from_db()
    assert (welfare.divertibility, welfare.category.slug) == (DIVERTIBLE, "assisting-the-public")
    assert welfare.suggestion_source == "keyword"
    hang_up.refresh_from_db()
    assert (hang_up.divertibility, hang_up.category.name, hang_up.suggestion_source) == (
        Divertibility.MAYBE,
        "Call Related Issues",
        "vera",
    )
    assert "Charleston" in hang_up.suggestion_note
    weapon.refresh_from_db()
    assert weapon.divertibility == NOT
    unknown.refresh_from_db()
    assert (unknown.divertibility, unknown.category, unknown.suggestion_source) == (
        Divertibility.UNCLASSIFIED,
        None,
        "",
    )
    reviewed.refresh_from_db()
    assert reviewed.reviewed
    assert reviewed.divertibility == NOT  # the coordinator's decision stays
    assert reviewed.suggested_divertibility == DIVERTIBLE  # the suggestion is still shown
    assert CfsCallType.objects.filter(city=city, reviewed=True).count() == 1


def test_the_danger_rules_come_first_and_are_never_divertible():
    danger = KEYWORD_RULES[:DANGER_RULES]
    assert [rule.name for rule in danger][-1] == "domestic violence"
    assert {rule.divertibility for rule in danger} == {NOT}
    assert all(rule.divertibility != DIVERTIBLE for rule in OFFICER_RULES)
