"""The community-needs survey of the pilot's research phase, in English, Korean and Spanish.

Created as a draft with the public link /outreach/s/community-needs/: coordinators review it,
then open it. Idempotent: an existing survey with this slug is left as it is.
"""

from django.db import migrations

SLUG = "community-needs"

TITLE = ("Community needs survey", "지역사회 필요 조사", "Encuesta sobre las necesidades de la comunidad")
INTRO = (
    "We are neighbours preparing a community hotline that sends trained volunteers, not police, "
    "to people in crisis. Your answers will shape it. The survey is anonymous and takes about "
    "five minutes. If you are in danger now, call 911.",
    "저희는 위기에 처한 사람에게 경찰 대신 훈련받은 자원봉사자를 보내는 지역사회 핫라인을 준비하는 "
    "이웃들입니다. 여러분의 답변이 핫라인을 만드는 데 반영됩니다. 이 설문은 익명이며 약 5분 걸립니다. "
    "지금 위험한 상황이라면 911에 전화하세요.",
    "Somos vecinos que estamos preparando una línea comunitaria que envía voluntarios capacitados, "
    "no a la policía, a personas en crisis. Sus respuestas le darán forma. La encuesta es anónima y "
    "dura unos cinco minutos. Si está en peligro ahora, llame al 911.",
)

OTHER = ("Other", "기타", "Otro")

# (kind, required, (en, ko, es), [options as (en, ko, es)])
QUESTIONS = (
    (
        "multiple",
        True,
        (
            "In the past two years, which of these situations have you or someone close to you faced?",
            "지난 2년 동안 본인이나 가까운 사람이 다음 중 어떤 상황을 겪었습니까?",
            "En los últimos dos años, ¿cuáles de estas situaciones ha vivido usted o alguien cercano?",
        ),
        [
            ("A mental-health crisis", "정신 건강 위기", "Una crisis de salud mental"),
            (
                "Thoughts of suicide or self-harm",
                "자살이나 자해에 대한 생각",
                "Pensamientos de suicidio o de hacerse daño",
            ),
            ("Problems with alcohol or drugs", "술이나 약물 문제", "Problemas con el alcohol o las drogas"),
            (
                "Having no home or safe place to sleep",
                "집이나 안전하게 잘 곳이 없음",
                "No tener hogar ni un lugar seguro para dormir",
            ),
            (
                "A conflict with a neighbour or family member",
                "이웃이나 가족과의 갈등",
                "Un conflicto con un vecino o un familiar",
            ),
            ("Violence at home", "가정 폭력", "Violencia en el hogar"),
            ("A medical emergency", "의료 응급 상황", "Una emergencia médica"),
            (
                "Worry about someone's safety or well-being",
                "누군가의 안전이나 안부에 대한 걱정",
                "Preocupación por la seguridad o el bienestar de alguien",
            ),
            ("None of these", "해당 없음", "Ninguna de estas"),
        ],
    ),
    (
        "single",
        True,
        (
            "When you or someone close to you faced such a situation, did you call the police or 911?",
            "본인이나 가까운 사람이 그런 상황을 겪었을 때 경찰이나 911에 전화했습니까?",
            "Cuando usted o alguien cercano vivió una situación así, ¿llamó a la policía o al 911?",
        ),
        [
            ("Yes, every time", "네, 매번 했습니다", "Sí, siempre"),
            ("Sometimes", "가끔 했습니다", "A veces"),
            ("No, never", "아니요, 한 번도 하지 않았습니다", "No, nunca"),
            (
                "I have not faced such a situation",
                "그런 상황을 겪은 적이 없습니다",
                "No he vivido una situación así",
            ),
        ],
    ),
    (
        "multiple",
        False,
        (
            "If you did not call, or hesitated, why?",
            "전화하지 않았거나 망설였다면 그 이유는 무엇입니까?",
            "Si no llamó o lo dudó, ¿por qué?",
        ),
        [
            (
                "I feared the situation would get worse or someone would get hurt",
                "상황이 더 나빠지거나 누군가 다칠까 봐 두려웠습니다",
                "Temía que la situación empeorara o que alguien saliera herido",
            ),
            (
                "I feared arrest, immigration consequences or other trouble",
                "체포, 이민 관련 불이익 또는 다른 문제가 생길까 봐 두려웠습니다",
                "Temía un arresto, consecuencias migratorias u otros problemas",
            ),
            (
                "Bad past experiences with the police",
                "경찰과의 좋지 않은 과거 경험",
                "Malas experiencias anteriores con la policía",
            ),
            ("Language barriers", "언어 장벽", "Barreras de idioma"),
            (
                "It did not seem like a police matter",
                "경찰이 나설 일이 아닌 것 같았습니다",
                "No parecía un asunto de la policía",
            ),
            (
                "I did not think anyone would come or help",
                "아무도 오거나 도와주지 않을 거라고 생각했습니다",
                "No creí que alguien vendría o ayudaría",
            ),
            OTHER,
        ],
    ),
    (
        "text",
        False,
        (
            "If you wish, tell us more about why you called or did not call.",
            "원하시면 전화한 이유나 하지 않은 이유를 더 알려 주세요.",
            "Si lo desea, cuéntenos más sobre por qué llamó o no llamó.",
        ),
        [],
    ),
    (
        "multiple",
        True,
        (
            "Who would you want to come instead, or what would you want to happen?",
            "대신 누가 와 주기를, 또는 어떤 도움이 있기를 바랍니까?",
            "¿A quién le gustaría que acudiera en su lugar, o qué le gustaría que pasara?",
        ),
        [
            (
                "Trained community volunteers",
                "훈련받은 지역사회 자원봉사자",
                "Voluntarios comunitarios capacitados",
            ),
            ("Mental-health professionals", "정신 건강 전문가", "Profesionales de salud mental"),
            (
                "Medical staff (nurses, EMTs)",
                "의료진 (간호사, 응급구조사)",
                "Personal médico (enfermeras, paramédicos)",
            ),
            (
                "Peer supporters who have been through it",
                "비슷한 경험을 겪어 본 동료 지원자",
                "Personas de apoyo que han pasado por lo mismo",
            ),
            ("Someone who speaks my language", "제 언어를 하는 사람", "Alguien que hable mi idioma"),
            (
                "Advice by phone or text only",
                "전화나 문자로만 상담",
                "Solo orientación por teléfono o mensaje de texto",
            ),
            (
                "The police are the right response",
                "경찰이 적절한 대응입니다",
                "La policía es la respuesta adecuada",
            ),
        ],
    ),
    (
        "scale",
        True,
        (
            "In a situation that is not life-threatening, how likely would you be to call a community "
            "hotline staffed by trained volunteers instead of 911? (1 = not at all likely, 5 = very likely)",
            "생명이 위험하지 않은 상황에서 911 대신 훈련받은 자원봉사자가 운영하는 지역사회 핫라인에 "
            "전화할 가능성은 얼마나 됩니까? (1 = 전혀 없음, 5 = 매우 높음)",
            "En una situación que no pone en riesgo la vida, ¿qué tan probable es que llame a una línea "
            "comunitaria atendida por voluntarios capacitados en lugar del 911? (1 = nada probable, 5 = muy probable)",
        ),
        [],
    ),
    (
        "multiple",
        True,
        (
            "What would make you trust a community hotline?",
            "어떻게 하면 지역사회 핫라인을 신뢰할 수 있겠습니까?",
            "¿Qué le haría confiar en una línea comunitaria?",
        ),
        [
            (
                "It is run by people from my community",
                "우리 지역사회 사람들이 운영합니다",
                "La dirigen personas de mi comunidad",
            ),
            (
                "It does not share my information with the police or immigration",
                "제 정보를 경찰이나 이민 당국과 공유하지 않습니다",
                "No comparte mi información con la policía ni con inmigración",
            ),
            (
                "It answers quickly, day and night",
                "밤낮으로 빠르게 응답합니다",
                "Responde rápido, de día y de noche",
            ),
            (
                "The responders speak my language",
                "출동하는 사람들이 제 언어를 합니다",
                "Quienes responden hablan mi idioma",
            ),
            (
                "People or organisations I know recommend it",
                "제가 아는 사람이나 단체가 추천합니다",
                "Me la recomiendan personas u organizaciones que conozco",
            ),
            (
                "Clear information about what happens when I call",
                "전화하면 어떤 일이 일어나는지에 대한 분명한 안내",
                "Información clara sobre lo que pasa cuando llamo",
            ),
            OTHER,
        ],
    ),
    (
        "text",
        False,
        (
            "Is there anything else you want us to know?",
            "그 밖에 저희가 알아야 할 것이 있습니까?",
            "¿Hay algo más que quiera contarnos?",
        ),
        [],
    ),
    (
        "single",
        False,
        (
            "Which best describes you?",
            "다음 중 본인을 가장 잘 설명하는 것은 무엇입니까?",
            "¿Qué lo describe mejor?",
        ),
        [
            ("A resident of the area", "이 지역 주민", "Residente de la zona"),
            ("A community organiser", "지역사회 활동가", "Organizador(a) comunitario(a)"),
            ("A business owner or worker", "사업주 또는 직원", "Dueño(a) o empleado(a) de un negocio"),
            ("Someone without stable housing", "안정적인 주거가 없는 사람", "Persona sin vivienda estable"),
            ("A service provider", "서비스 제공자", "Proveedor(a) de servicios"),
            OTHER,
        ],
    ),
)


def _texts(prefix, texts):
    return dict(zip((f"{prefix}_en", f"{prefix}_ko", f"{prefix}_es"), texts, strict=True))


def seed(apps, schema_editor):
    Survey = apps.get_model("outreach", "Survey")
    Question = apps.get_model("outreach", "Question")
    Option = apps.get_model("outreach", "Option")
    survey, created = Survey.objects.get_or_create(
        slug=SLUG,
        defaults={**_texts("title", TITLE), **_texts("intro", INTRO), "status": "draft", "anonymous": True},
    )
    if not created:
        return
    for position, (kind, required, text, options) in enumerate(QUESTIONS):
        question = Question.objects.create(
            survey=survey, position=position, kind=kind, required=required, **_texts("text", text)
        )
        Option.objects.bulk_create(
            Option(question=question, position=index, **_texts("text", option))
            for index, option in enumerate(options)
        )


def unseed(apps, schema_editor):
    Survey = apps.get_model("outreach", "Survey")
    Survey.objects.filter(slug=SLUG, responses__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_seed_service_types")]

    operations = [migrations.RunPython(seed, unseed)]
