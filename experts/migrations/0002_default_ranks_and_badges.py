from __future__ import annotations

from django.db import migrations

RANKS = [
    # code, name, min_score (expected decayed accepted answers), min counted accepts
    ("helper", "Helper", 0.5, 1),
    ("expert", "Expert", 5.0, 10),
    ("champion", "Champion", 20.0, 50),
]

BADGES = [
    ("first-answer", "First answer", "Answered a question for the first time.", "answers", 1),
    ("prolific", "Prolific", "Answered 100 questions.", "answers", 100),
    ("first-accepted", "Problem solver", "First answer accepted by an asker.", "accepted", 1),
    ("accepted-10", "Trusted helper", "10 accepted answers.", "accepted", 10),
    ("accepted-50", "Expert helper", "50 accepted answers.", "accepted", 50),
    ("accepted-150", "Master helper", "150 accepted answers.", "accepted", 150),
    ("category-top", "Top expert", "Top expert of a category.", "category_top", 1),
]


def seed(apps, schema_editor):
    Rank = apps.get_model("experts", "Rank")
    Badge = apps.get_model("experts", "Badge")
    for code, name, min_score, min_accepted in RANKS:
        Rank.objects.get_or_create(
            code=code,
            defaults={"name": name, "min_score": min_score, "min_accepted": min_accepted},
        )
    for code, name, description, kind, threshold in BADGES:
        Badge.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "kind": kind,
                "threshold": threshold,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
