"""The default SLA policy (category NULL): 8 business hours to a first answer and 40 to an
accepted one, Mon–Fri 09:00–17:00 Europe/Berlin, Bavarian public holidays. Staff change it
in the admin; categories can get their own."""

from django.db import migrations


def create_default(apps, schema_editor):
    SlaPolicy = apps.get_model("escalations", "SlaPolicy")
    if not SlaPolicy.objects.filter(category__isnull=True).exists():
        SlaPolicy.objects.create(
            name="Default",
            category=None,
            is_active=True,
            first_answer_minutes=8 * 60,
            accepted_answer_minutes=40 * 60,
            staff_response_minutes=4 * 60,
            business_hours=True,
            time_zone="Europe/Berlin",
            opening_hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            holiday_country="DE",
            holiday_subdiv="BY",
        )


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
