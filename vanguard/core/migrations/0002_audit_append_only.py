"""Audit rows are append-only in the database itself, not only in the model: a raw
UPDATE or DELETE from any code path fails."""

from django.db import migrations

from vanguard.core import triggers


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [
        migrations.RunPython(
            lambda apps, editor: triggers.install(editor), lambda apps, editor: triggers.remove(editor)
        )
    ]
