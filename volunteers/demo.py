"""Demo data: areas, trainings, volunteers (Korean, Spanish and English speakers) and shifts
around the current time, with the demo `dispatcher` and `responder` on shift now and qualified.

Idempotent: rows are got-or-created by natural keys. Run on a later day it adds that day's shifts.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from volunteers.models import (
    Area,
    CommunityAgreementAcceptance,
    CommunityAgreementVersion,
    HeardAbout,
    Language,
    OnboardingRecord,
    OnboardingStep,
    Quiz,
    QuizChoice,
    QuizQuestion,
    Shift,
    ShiftAssignment,
    ShiftRole,
    TrainingAttendance,
    TrainingCompletion,
    TrainingModule,
    TrainingSession,
    Volunteer,
    VolunteerNote,
)
from volunteers.roles import Role
from volunteers.services import onboarding_steps_seed

AREAS = (
    ("Koreatown", "koreatown"),
    ("Westlake", "westlake"),
    ("Pico-Union", "pico-union"),
    ("Downtown", "downtown"),
)

MODULES = (
    # slug, title, roles, call types, validity days
    ("core", "Core hotline training", ["dispatcher", "responder"], [], 365),
    ("dispatch-protocol", "Dispatch console and screening protocol", ["dispatcher"], [], 365),
    (
        "de-escalation",
        "De-escalation and safety planning",
        ["responder"],
        ["mental-health", "welfare-check", "neighbor-dispute"],
        365,
    ),
    ("overdose-response", "Naloxone and overdose response", [], ["substance-use"], 730),
    (
        "trauma-informed-care",
        "Trauma-informed care",
        [],
        ["mental-health", "suicidal-thoughts", "neighbor-dispute"],
        None,
    ),
)

# username (None: no account yet), first, last, phone, languages, areas, status, roles, heard about
VOLUNTEERS = (
    (
        "dispatcher",
        "Dana",
        "Park",
        "+12135550101",
        ["en", "ko"],
        ["koreatown"],
        "active",
        ["dispatcher"],
        "event",
    ),
    (
        "responder",
        "Rafael",
        "Lopez",
        "+12135550102",
        ["en", "es"],
        ["westlake", "pico-union"],
        "active",
        ["responder"],
        "partner",
    ),
    (
        "volunteer",
        "Vivian",
        "Cho",
        "+12135550103",
        ["en", "ko"],
        ["koreatown"],
        "active",
        ["responder"],
        "friend",
    ),
    (
        "jiwoo.han",
        "Ji-woo",
        "Han",
        "+12135550104",
        ["ko", "en"],
        ["koreatown", "downtown"],
        "active",
        ["dispatcher"],
        "event",
    ),
    (
        "minseo.lee",
        "Min-seo",
        "Lee",
        "+12135550105",
        ["ko"],
        ["koreatown"],
        "active",
        ["responder"],
        "partner",
    ),
    (
        "maria.gonzalez",
        "María",
        "González",
        "+12135550106",
        ["es", "en"],
        ["pico-union"],
        "active",
        ["dispatcher", "responder"],
        "event",
    ),
    (
        "luis.hernandez",
        "Luis",
        "Hernández",
        "+12135550107",
        ["es"],
        ["westlake"],
        "active",
        ["responder"],
        "social_media",
    ),
    ("sam.okafor", "Sam", "Okafor", "+12135550108", ["en"], ["downtown"], "active", ["responder"], "flyer"),
    (
        "grace.kim",
        "Grace",
        "Kim",
        "+12135550109",
        ["en", "ko"],
        ["downtown"],
        "inactive",
        ["dispatcher"],
        "friend",
    ),
    (None, "Ana", "Rodríguez", "+12135550110", ["es"], ["pico-union"], "applicant", ["responder"], "event"),
    (
        None,
        "Hyun",
        "Choi",
        "+12135550111",
        ["ko", "en"],
        ["koreatown"],
        "applicant",
        ["dispatcher"],
        "partner",
    ),
    (
        None,
        "Jordan",
        "Miller",
        "+12135550112",
        ["en"],
        [],
        "applicant",
        ["dispatcher", "responder"],
        "social_media",
    ),
)

SEED_DEMO_USERS = ("dispatcher", "responder", "volunteer")
# Responders on the shift covering the moment the demo is seeded, besides the demo responder.
NOW_RESPONDERS = ["minseo.lee", "luis.hernandez", "sam.okafor"]
ROLE_GROUPS = {ShiftRole.DISPATCHER: Role.DISPATCHER, ShiftRole.RESPONDER: Role.RESPONDER}

# Daily blocks (local time): 00-08, 08-16, 16-24.
BLOCKS = ((time(0), time(8)), (time(8), time(16)), (time(16), time(0)))


def seed(*, stdout) -> None:
    with transaction.atomic():
        areas = {
            slug: Area.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in AREAS
        }
        modules = _seed_modules()
        volunteers = _seed_volunteers(areas)
        _seed_training(modules, volunteers)
        _seed_quiz()
        _seed_onboarding(volunteers)
        shifts_created = _seed_shifts(volunteers)
    stdout.write(
        f"volunteers: {Volunteer.objects.count()} volunteers, {TrainingModule.objects.count()} training "
        f"modules, {shifts_created} new shifts; demo dispatcher and responder are on shift now."
    )


def _seed_modules() -> dict[str, TrainingModule]:
    modules = {}
    for slug, title, roles, call_types, validity in MODULES:
        modules[slug] = TrainingModule.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "roles": roles,
                "qualifies_for_call_types": call_types,
                "validity_days": validity,
                "description": f"{title}: required reading, role play and a short check-in with a trainer.",
            },
        )[0]
    return modules


def _seed_volunteers(areas: dict[str, Area]) -> dict[str, Volunteer]:
    User = get_user_model()
    languages = {language.code: language for language in Language.objects.all()}
    volunteers = {}
    now = timezone.now()
    for index, (username, first, last, phone, langs, area_slugs, status, roles, heard) in enumerate(
        VOLUNTEERS
    ):
        email = f"{(username or f'{first}.{last}').lower().replace(' ', '')}@example.org"
        email = email.encode("ascii", "ignore").decode()
        user = None
        if username:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": email}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            if username not in SEED_DEMO_USERS or username == "volunteer":
                # As a coordinator's approval does: the Volunteer group plus the roles of
                # interest. The demo `volunteer` is a newly approved, trained responder with no
                # shift yet, so the open shifts are hers to sign up for.
                groups = [Role.VOLUNTEER, *(ROLE_GROUPS[role] for role in roles)]
                user.groups.add(*Group.objects.filter(name__in=groups))
            if status == Volunteer.Status.INACTIVE and user.is_active:
                user.is_active = False
                user.save(update_fields=["is_active"])
        volunteer, _created = Volunteer.objects.get_or_create(
            phone=phone,
            defaults={
                "user": user,
                "first_name": first,
                "last_name": last,
                "email": email,
                "preferred_language": langs[0] if langs[0] in ("en", "ko", "es") else "en",
                "roles_of_interest": roles,
                "availability": ["mon_evening", "wed_evening", "sat_morning", "sat_afternoon"][
                    : 2 + index % 3
                ],
                "heard_about": heard,
                "heard_about_detail": {
                    HeardAbout.EVENT: "Koreatown community fair",
                    HeardAbout.PARTNER: "Westlake Community Health Center",
                }.get(heard, ""),
                "source_code": "ktown-fair" if heard == HeardAbout.EVENT else "",
                "sms_consent": True,
                "agreements_accepted_at": now,
                "status": status,
                "applied_at": now - timedelta(days=60 - index * 4),
                "approved_at": now - timedelta(days=50) if user else None,
                "invitation_sent_at": now - timedelta(days=50) if user else None,
            },
        )
        volunteer.languages.add(*(languages[code] for code in langs if code in languages))
        volunteer.areas.add(*(areas[slug] for slug in area_slugs))
        if status == Volunteer.Status.APPLICANT and not volunteer.notes.exists():
            VolunteerNote.objects.create(
                volunteer=volunteer, body="Called to say hello; available for the May training."
            )
        volunteers[username or phone] = volunteer
    return volunteers


def _seed_training(modules: dict[str, TrainingModule], volunteers: dict[str, Volunteer]) -> None:
    today = timezone.localdate()
    for volunteer in volunteers.values():
        if volunteer.user is None:
            continue
        for module in modules.values():
            needed = (
                set(module.roles) & set(volunteer.roles_of_interest) or module.slug == "trauma-informed-care"
            )
            if not needed:
                continue
            # Sam's trainings run out in three weeks: he appears under "expiring soon".
            completed_on = today - timedelta(days=344 if volunteer.first_name == "Sam" else 40)
            TrainingCompletion.objects.get_or_create(
                volunteer=volunteer,
                module=module,
                defaults={"completed_on": completed_on, "expires_on": module.expires_on_for(completed_on)},
            )
    # Ji-woo's overdose-response training expires in 20 days (an expiry reminder is due).
    jiwoo = volunteers["jiwoo.han"]
    TrainingCompletion.objects.get_or_create(
        volunteer=jiwoo,
        module=modules["overdose-response"],
        defaults={"completed_on": today - timedelta(days=710), "expires_on": today + timedelta(days=20)},
    )
    start_of_today = timezone.make_aware(datetime.combine(today, time(18)))
    for days, slug, place in (
        (-40, "core", "Koreatown Youth + Community Center, room B"),
        (9, "core", "Koreatown Youth + Community Center, room B"),
        (16, "de-escalation", "Westlake Community Health Center"),
    ):
        session, _created = TrainingSession.objects.get_or_create(
            module=modules[slug],
            location=place,
            starts_at=start_of_today + timedelta(days=days),
            defaults={"trainer": "Jordan Reyes, LCSW", "capacity": 16},
        )
        if days > 0:
            for key in ("+12135550110", "+12135550111"):
                TrainingAttendance.objects.get_or_create(session=session, volunteer=volunteers[key])


# A quiz on the curriculum's console module (migration 0006): questions on how the platform
# works, in the three languages, nothing clinical.
QUIZ_MODULE = "screening-protocol-console"
QUIZ = (
    (
        (
            "What does the screening protocol ask first?",
            "선별 프로토콜은 무엇을 가장 먼저 묻나요?",
            "¿Qué pregunta primero el protocolo de evaluación?",
        ),
        (
            (
                (
                    "The danger screens: a weapon, violence in progress, a life-threatening medical need",
                    "위험 선별: 무기, 진행 중인 폭력, 생명을 위협하는 의료 상황",
                    "Las preguntas de peligro: un arma, violencia en curso, una emergencia médica grave",
                ),
                True,
            ),
            (("The caller's area", "발신자의 지역", "La zona de la persona que llama"), False),
            (("The caller's language", "발신자의 언어", "El idioma de la persona que llama"), False),
        ),
    ),
    (
        (
            "Who may see a caller's number in the console?",
            "콘솔에서 발신자의 번호를 볼 수 있는 사람은 누구인가요?",
            "¿Quién puede ver el número de la persona que llama en la consola?",
        ),
        (
            (
                (
                    "Dispatchers and coordinators",
                    "디스패처와 코디네이터",
                    "Los despachadores y los coordinadores",
                ),
                True,
            ),
            (("Every volunteer", "모든 자원봉사자", "Todos los voluntarios"), False),
            (("Anyone with the link", "링크가 있는 누구나", "Cualquiera que tenga el enlace"), False),
        ),
    ),
)

AGREEMENTS = (
    "We treat every caller, and each other, with respect. We keep what we hear confidential. We "
    "follow the screening protocol and ask for help when unsure. We look after ourselves and each "
    "other.",
    "우리는 모든 발신자와 서로를 존중합니다. 들은 내용은 비밀로 지킵니다. 선별 프로토콜을 따르고, "
    "확실하지 않을 때는 도움을 요청합니다. 우리 자신과 서로를 돌봅니다.",
    "Tratamos con respeto a cada persona que llama y entre nosotros. Mantenemos la confidencialidad "
    "de lo que escuchamos. Seguimos el protocolo de evaluación y pedimos ayuda cuando tenemos dudas. "
    "Nos cuidamos a nosotros mismos y unos a otros.",
)


def _seed_quiz() -> None:
    module = TrainingModule.objects.filter(slug=QUIZ_MODULE).first()
    if module is None or Quiz.objects.filter(module=module).exists():
        return
    quiz = Quiz.objects.create(module=module, pass_mark=100, max_attempts=3)
    for position, ((en, ko, es), choices) in enumerate(QUIZ, start=1):
        question = QuizQuestion.objects.create(
            quiz=quiz, position=position, text_en=en, text_ko=ko, text_es=es
        )
        QuizChoice.objects.bulk_create(
            QuizChoice(
                question=question, position=index, text_en=c_en, text_ko=c_ko, text_es=c_es, is_correct=ok
            )
            for index, ((c_en, c_ko, c_es), ok) in enumerate(choices, start=1)
        )


def _seed_onboarding(volunteers: dict[str, Volunteer]) -> None:
    """The default checklists, version 1 of the community agreements, and every active demo
    volunteer's checklist done (shadow shifts signed by a peer), so demo logins reach their
    pages; the demo `volunteer` has her first solo shift still to do."""
    onboarding_steps_seed()
    agreements = CommunityAgreementVersion.objects.filter(version=1).first()
    if agreements is None:
        agreements = CommunityAgreementVersion.objects.create(
            version=1,
            text_en=AGREEMENTS[0],
            text_ko=AGREEMENTS[1],
            text_es=AGREEMENTS[2],
            published_at=timezone.now() - timedelta(days=70),
        )
    active = [v for v in volunteers.values() if v.user is not None and v.status == Volunteer.Status.ACTIVE]
    for volunteer in active:
        CommunityAgreementAcceptance.objects.get_or_create(volunteer=volunteer, version=agreements)
        for role in volunteer.roles_of_interest:
            peer = next(
                (v for v in active if v.pk != volunteer.pk and role in v.roles_of_interest),
                None,
            )
            for step in OnboardingStep.objects.filter(role=role, is_active=True):
                if not step.recorded or step.records.filter(volunteer=volunteer).exists():
                    continue
                if (
                    step.kind == OnboardingStep.Kind.FIRST_SOLO_SHIFT
                    and volunteer.user.username == "volunteer"
                ):
                    continue
                if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS and peer is None:
                    continue
                vouched_by = peer if step.kind == OnboardingStep.Kind.SHADOW_SHIFTS else None
                OnboardingRecord.objects.bulk_create(
                    OnboardingRecord(
                        volunteer=volunteer,
                        step=step,
                        vouched_by=vouched_by,
                        recorded_by=vouched_by.user if vouched_by else None,
                        note="Demo record",
                        recorded_at=timezone.now() - timedelta(days=45 - number),
                    )
                    for number in range(step.required_count)
                )


def _seed_shifts(volunteers: dict[str, Volunteer]) -> int:
    today = timezone.localdate()
    now = timezone.now()
    created_count = 0
    shifts: dict[tuple[str, int, int], Shift] = {}
    for day_offset in range(-3, 15):
        day = today + timedelta(days=day_offset)
        for block, (start, end) in enumerate(BLOCKS):
            starts_at = timezone.make_aware(datetime.combine(day, start))
            ends_at = timezone.make_aware(
                datetime.combine(day + timedelta(days=1) if end <= start else day, end)
            )
            for role in ShiftRole.values:
                # The pilot dashboard's synthetic history may hold a shift at the same time too:
                # take the oldest rather than insist on exactly one.
                lookup = {"role": role, "starts_at": starts_at, "ends_at": ends_at, "area": None}
                shift = Shift.objects.filter(**lookup).order_by("pk").first()
                if shift is None:
                    # Responders go out in pairs.
                    staffing = 2 if role == ShiftRole.RESPONDER else 1
                    shift = Shift.objects.create(**lookup, capacity=3, minimum_staffing=staffing)
                    created_count += 1
                shifts[(role, day_offset, block)] = shift
    # Who works which block: a realistic, patchy roster that leaves gaps to recruit for.
    roster = {
        ShiftRole.DISPATCHER: ["jiwoo.han", "maria.gonzalez"],
        ShiftRole.RESPONDER: ["minseo.lee", "luis.hernandez", "sam.okafor", "maria.gonzalez"],
    }
    for (role, day_offset, block), shift in shifts.items():
        people = roster[role]
        if (day_offset + block) % 3 == 2 or (day_offset == -2 and block == 1):
            continue  # an unstaffed block (the demo users take -2/1 below)
        first = (day_offset * 3 + block) % len(people)
        crew = people[first : first + 2] if role == ShiftRole.RESPONDER else people[first : first + 1]
        for username in crew:
            volunteer = volunteers[username]
            if _overlaps(volunteer, shift):
                continue
            status = (
                ShiftAssignment.Status.ATTENDED if shift.ends_at <= now else ShiftAssignment.Status.BOOKED
            )
            ShiftAssignment.objects.get_or_create(
                shift=shift, volunteer=volunteer, defaults={"status": status}
            )
    # Now: enough responders on shift that a newcomer's first dispatch reaches someone free
    # (the demo incident takes the demo responder and one other; at least two stay free).
    for role, usernames in ((ShiftRole.RESPONDER, NOW_RESPONDERS), (ShiftRole.DISPATCHER, ["jiwoo.han"])):
        current = (
            Shift.objects.filter(role=role, area=None, starts_at__lte=now, ends_at__gt=now)
            .order_by("pk")
            .first()
        )
        if current is None:
            continue
        if current.capacity < len(usernames) + 1:
            current.capacity = len(usernames) + 1
            current.save(update_fields=["capacity"])
        for username in usernames:
            volunteer = volunteers[username]
            if not _overlaps(volunteer, current):
                ShiftAssignment.objects.get_or_create(
                    shift=current, volunteer=volunteer, defaults={"status": ShiftAssignment.Status.BOOKED}
                )
    # The demo dispatcher and responder: on the block covering now and the next one, and
    # attended a block two days ago (hours served).
    for username, role in (("dispatcher", ShiftRole.DISPATCHER), ("responder", ShiftRole.RESPONDER)):
        volunteer = volunteers[username]
        ShiftAssignment.objects.get_or_create(
            shift=shifts[(role, -2, 1)],
            volunteer=volunteer,
            defaults={"status": ShiftAssignment.Status.ATTENDED},
        )
        for shift in Shift.objects.filter(role=role, area=None, ends_at__gt=now).order_by("starts_at")[:2]:
            ShiftAssignment.objects.get_or_create(
                shift=shift, volunteer=volunteer, defaults={"status": ShiftAssignment.Status.BOOKED}
            )
    return created_count


def _overlaps(volunteer: Volunteer, shift: Shift) -> bool:
    return (
        ShiftAssignment.objects.filter(
            volunteer=volunteer,
            status__in=ShiftAssignment.HOLDING,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift=shift)
        .exists()
    )
