"""Seed the call-type taxonomy and version 1 of the screening protocol (production needs both).

The protocol follows the published practice of community-responder programs (CAHOOTS in
Eugene, STAR in Denver, ACS in Albuquerque, MACRO in Oakland): danger screens first, each of
which sends the call to 911/EMS, then consent to a visit, location, call type and language.
Data is frozen here on purpose: later edits make new versions, never change this one.
"""

from django.db import migrations

CALL_TYPES = (
    (
        "mental-health",
        "Mental or behavioural health crisis",
        "정신 건강 또는 행동 위기",
        "Crisis de salud mental o conductual",
    ),
    (
        "suicidal-thoughts",
        "Suicidal thoughts without imminent means",
        "즉각적인 수단이 없는 자살 생각",
        "Pensamientos suicidas sin medios inmediatos",
    ),
    ("welfare-check", "Welfare check", "안부 확인", "Verificación de bienestar"),
    (
        "substance-use",
        "Intoxication or substance use",
        "음주 또는 약물 사용",
        "Intoxicación o consumo de sustancias",
    ),
    (
        "homelessness",
        "Person experiencing homelessness needing help",
        "도움이 필요한 노숙인",
        "Persona sin hogar que necesita ayuda",
    ),
    (
        "neighbor-dispute",
        "Neighbour or family dispute without violence",
        "폭력 없는 이웃 또는 가족 간 분쟁",
        "Disputa vecinal o familiar sin violencia",
    ),
    (
        "noise-quality-of-life",
        "Noise or quality of life",
        "소음 또는 생활 환경 문제",
        "Ruido o calidad de vida",
    ),
    (
        "youth",
        "Youth or non-criminal juvenile matter",
        "청소년 또는 비범죄 청소년 문제",
        "Asunto juvenil no delictivo",
    ),
    (
        "syringe-litter",
        "Syringe or hazardous litter",
        "주사기 또는 위험 폐기물",
        "Jeringas o basura peligrosa",
    ),
    (
        "resources-information",
        "Request for resources or information",
        "자원 또는 정보 요청",
        "Solicitud de recursos o información",
    ),
    ("other", "Other", "기타", "Otro"),
)

# key, kind, required, danger screen, English, Korean, Spanish
QUESTIONS = (
    (
        "weapon",
        "yes_no",
        True,
        True,
        "Is a weapon present, or has anyone mentioned a weapon?",
        "무기가 있거나, 누군가 무기를 언급했습니까?",
        "¿Hay un arma presente o alguien ha mencionado un arma?",
    ),
    (
        "violence",
        "yes_no",
        True,
        True,
        "Is violence, or a threat of violence, happening right now?",
        "지금 폭력이나 폭력의 위협이 일어나고 있습니까?",
        "¿Está ocurriendo ahora mismo violencia o una amenaza de violencia?",
    ),
    (
        "medical_emergency",
        "yes_no",
        True,
        True,
        "Is anyone unconscious, not breathing, bleeding severely, or overdosing right now?",
        "지금 의식이 없거나, 숨을 쉬지 않거나, 심하게 피를 흘리거나, 약물 과다 복용 중인 사람이 있습니까?",
        "¿Hay alguien inconsciente, sin respirar, con un sangrado grave o con una sobredosis en este momento?",
    ),
    (
        "suicide_imminent",
        "yes_no",
        True,
        True,
        "Is the person at imminent risk of suicide, with the means at hand?",
        "당사자가 자살 수단을 가지고 있어 자살 위험이 임박했습니까?",
        "¿Corre la persona un riesgo inminente de suicidio, con los medios a su alcance?",
    ),
    (
        "consent",
        "yes_no",
        True,
        False,
        "Does the person agree to a visit from the responders?",
        "당사자가 대응팀의 방문에 동의합니까?",
        "¿Acepta la persona la visita del equipo de respuesta?",
    ),
    (
        "location",
        "location",
        False,
        False,
        "Where is the person? (address, cross streets or landmark)",
        "당사자는 어디에 있습니까? (주소, 교차로 또는 주요 건물)",
        "¿Dónde está la persona? (dirección, cruce de calles o punto de referencia)",
    ),
    ("area", "area", False, False, "Which area is that in?", "어느 지역입니까?", "¿En qué zona está?"),
    (
        "call_type",
        "call_type",
        True,
        False,
        "What kind of call is it?",
        "어떤 유형의 전화입니까?",
        "¿Qué tipo de llamada es?",
    ),
    (
        "language",
        "language",
        False,
        False,
        "Which language does the person speak?",
        "당사자는 어떤 언어를 사용합니까?",
        "¿Qué idioma habla la persona?",
    ),
)

# question key, operator, value, recommendation, English, Korean, Spanish
RULES = (
    (
        "call_type",
        "equals",
        "syringe-litter",
        "send_responders",
        "Hazardous litter: send responders to collect it safely.",
        "위험 폐기물: 안전하게 수거하도록 대응팀을 보내세요.",
        "Basura peligrosa: envíe al equipo para recogerla de forma segura.",
    ),
    (
        "consent",
        "equals",
        "no",
        "phone_support",
        "The person does not want a visit: support them by phone and offer referrals.",
        "당사자가 방문을 원하지 않습니다: 전화로 지원하고 연계 서비스를 안내하세요.",
        "La persona no quiere una visita: apóyela por teléfono y ofrezca derivaciones.",
    ),
    (
        "call_type",
        "equals",
        "resources-information",
        "refer",
        "A request for resources: refer to a partner service.",
        "자원 요청입니다: 협력 기관 서비스로 연계하세요.",
        "Una solicitud de recursos: derive a un servicio asociado.",
    ),
    (
        "call_type",
        "equals",
        "other",
        "phone_support",
        "Not a call type the responders are trained for: support by phone.",
        "대응팀이 훈련받은 유형이 아닙니다: 전화로 지원하세요.",
        "No es un tipo de llamada para el que el equipo esté capacitado: apoye por teléfono.",
    ),
    (
        "consent",
        "equals",
        "yes",
        "send_responders",
        "The person agrees to a visit: send responders.",
        "당사자가 방문에 동의합니다: 대응팀을 보내세요.",
        "La persona acepta la visita: envíe al equipo de respuesta.",
    ),
)


def seed(apps, schema_editor):
    CallType = apps.get_model("dispatch", "CallType")
    ProtocolVersion = apps.get_model("dispatch", "ProtocolVersion")
    ProtocolQuestion = apps.get_model("dispatch", "ProtocolQuestion")
    ProtocolRule = apps.get_model("dispatch", "ProtocolRule")
    for position, (slug, en, ko, es) in enumerate(CALL_TYPES, start=1):
        CallType.objects.get_or_create(
            slug=slug, defaults={"name_en": en, "name_ko": ko, "name_es": es, "position": position}
        )
    if ProtocolVersion.objects.exists():
        return
    version = ProtocolVersion.objects.create(
        number=1, default_recommendation="phone_support", change_note="Default protocol"
    )
    for position, (key, kind, required, danger, en, ko, es) in enumerate(QUESTIONS, start=1):
        ProtocolQuestion.objects.create(
            protocol=version,
            key=key,
            position=position,
            kind=kind,
            required=required,
            danger_screen=danger,
            text_en=en,
            text_ko=ko,
            text_es=es,
        )
    for position, (key, operator, value, recommendation, en, ko, es) in enumerate(RULES, start=1):
        ProtocolRule.objects.create(
            protocol=version,
            position=position,
            question_key=key,
            operator=operator,
            value=value,
            recommendation=recommendation,
            explanation_en=en,
            explanation_ko=ko,
            explanation_es=es,
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_protocol_triage_incidents_outbox")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
