"""Recompute the search keys with the surname readings (单 → shan, 曾 → zeng …)."""

from django.db import migrations


def recompute(apps, schema_editor):
    from vanguard.people.rules import search_keys

    Person = apps.get_model("people", "Person")
    batch = []
    for person in Person.objects.only("id", "name", "name_pinyin", "name_initials").iterator(chunk_size=2000):
        keys = search_keys(person.name)
        if keys != (person.name_pinyin, person.name_initials):
            person.name_pinyin, person.name_initials = keys
            batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


class Migration(migrations.Migration):
    dependencies = [("people", "0002_search_tail_indexes")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
