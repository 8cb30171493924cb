"""Fill the routing-activity ladder of existing overall score rows from the answers they
counted, so a site upgraded in place ranks on its routing timescale without waiting for
``experts_rebuild`` (rows otherwise hold only the answers counted after the upgrade, which
would rank this week's answerers below people who have not answered since).

The ladder and the decay are written out here rather than imported, so this migration
keeps meaning what it meant when it was written."""

import math

from django.db import migrations

LADDER_DAYS = (2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 45.0, 60.0, 90.0, 135.0, 180.0,
               270.0, 365.0)  # fmt: skip


def fill(apps, schema_editor):
    ExpertiseScore = apps.get_model("experts", "ExpertiseScore")
    CountedAnswer = apps.get_model("experts", "CountedAnswer")
    rows = {
        row.user_id: row
        for row in ExpertiseScore.objects.filter(category__isnull=True).only(
            "pk", "user_id", "decayed_at", "activity"
        )
    }
    sums: dict[int, dict[str, float]] = {}
    answers = CountedAnswer.objects.order_by("user_id").values_list("user_id", "created_at")
    for user_id, created_at in answers.iterator(chunk_size=5000):
        row = rows.get(user_id)
        if row is None:
            continue
        age = max((row.decayed_at - created_at).total_seconds(), 0.0)
        mine = sums.setdefault(user_id, {})
        for days in LADDER_DAYS:
            key = f"h{days:g}"
            mine[key] = mine.get(key, 0.0) + math.exp(-math.log(2.0) * age / (days * 86400.0))
    changed = []
    for user_id, row in rows.items():
        row.activity = sums.get(user_id, {f"h{days:g}": 0.0 for days in LADDER_DAYS})
        changed.append(row)
    ExpertiseScore.objects.bulk_update(changed, ["activity"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("experts", "0004_routing_timescale")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
