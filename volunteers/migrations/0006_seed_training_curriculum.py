from django.db import migrations

# The programme's curriculum: titles and outlines only. The content of each lesson is written
# with the trainer who teaches it (a partner organisation or an expert); nothing clinical is
# invented here. Modules require nothing until a coordinator lists them for a role.
CURRICULUM = (
    (
        "de-escalation",
        "De-escalation",
        ["Purpose of the module", "Staying safe", "Role-play practice", "Debrief with the trainer"],
    ),
    (
        "trauma-informed-care",
        "Trauma-informed care",
        ["Purpose of the module", "Principles", "Language we use", "Practice and debrief"],
    ),
    (
        "suicide-risk-screening",
        "Suicide risk screening",
        [
            "Purpose of the module",
            "The screening steps taught by the trainer",
            "When to escalate",
            "Practice",
        ],
    ),
    (
        "harm-reduction-naloxone",
        "Harm reduction and naloxone",
        ["Purpose of the module", "Harm-reduction principles", "Naloxone: hands-on session", "Referrals"],
    ),
    (
        "homelessness",
        "Working with people experiencing homelessness",
        ["Purpose of the module", "Local services and partners", "Respect and dignity", "Practice"],
    ),
    (
        "screening-protocol-console",
        "The screening protocol and the console",
        ["The screening protocol", "The dispatch console", "Practice calls", "What to do when unsure"],
    ),
    (
        "privacy-mandated-reporting",
        "Privacy and mandated reporting",
        ["What we keep and for how long", "Who may see caller records", "Mandated reporting", "Questions"],
    ),
    (
        "self-care",
        "Self-care",
        ["Purpose of the module", "After a difficult call", "Debriefs and check-ins", "Where to get support"],
    ),
)


def seed(apps, schema_editor):
    TrainingModule = apps.get_model("volunteers", "TrainingModule")
    Lesson = apps.get_model("volunteers", "Lesson")
    for position, (slug, title, outline) in enumerate(CURRICULUM, start=1):
        module, created = TrainingModule.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "description": "Outline: " + "; ".join(outline) + ".",
                "position": position,
            },
        )
        if not created:
            module.position = position
            module.save(update_fields=["position"])
        if not module.lessons.exists():
            Lesson.objects.bulk_create(
                Lesson(module=module, position=index, title=lesson)
                for index, lesson in enumerate(outline, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0005_training_curriculum_lessons_quizzes_sign_offs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
