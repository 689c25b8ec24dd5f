"""A batch job's items become rows of their own (BatchJobItem), appended step by step,
instead of one JSON list rewritten at every step. Existing jobs keep their items."""

import django.db.models.deletion
from django.db import migrations, models


def copy_items(apps, schema_editor):
    BatchJob = apps.get_model("core", "BatchJob")
    BatchJobItem = apps.get_model("core", "BatchJobItem")
    for job in BatchJob.objects.exclude(items=[]).iterator():
        BatchJobItem.objects.bulk_create(
            BatchJobItem(
                job=job,
                seq=n,
                item_id=int(item.get("id") or 0),
                label=str(item.get("label", ""))[:300],
                outcome=str(item.get("outcome", ""))[:10],
                message=str(item.get("message", ""))[:500],
            )
            for n, item in enumerate(job.items or [])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_batch_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="BatchJobItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField(verbose_name="序号")),
                ("item_id", models.BigIntegerField(verbose_name="对象编号")),
                ("label", models.CharField(max_length=300, verbose_name="名称")),
                ("outcome", models.CharField(max_length=10, verbose_name="结果")),
                ("message", models.CharField(blank=True, max_length=500, verbose_name="说明")),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="item_rows",
                        to="core.batchjob",
                        verbose_name="任务",
                    ),
                ),
            ],
            options={
                "verbose_name": "批量任务明细",
                "verbose_name_plural": "批量任务明细",
                "constraints": [models.UniqueConstraint(fields=("job", "seq"), name="core_batchjobitem_job_seq")],
            },
        ),
        migrations.RunPython(copy_items, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="batchjob",
            name="items",
        ),
    ]
