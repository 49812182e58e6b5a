# A decision carries its own label. Each existing decision gets its meeting's label (what it was
# read under until now): added nullable, filled from the meeting, then made required.

import django.db.models.deletion
from django.db import migrations, models


def meeting_label(apps, schema_editor):
    Decision = apps.get_model("meetings", "Decision")
    Meeting = apps.get_model("meetings", "Meeting")
    db = schema_editor.connection.alias
    Decision.objects.using(db).filter(label__isnull=True).update(
        label_id=models.Subquery(
            Meeting.objects.using(db)
            .filter(pk=models.OuterRef("meeting_id"))
            .values("label_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_link"),
        ("meetings", "0009_speaking_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="label",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="core.label",
            ),
        ),
        migrations.RunPython(meeting_label, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="decision",
            name="label",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="core.label",
            ),
        ),
    ]
