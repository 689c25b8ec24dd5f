from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除")


class AuditEntry(models.Model):
    """One row per write, login, logout, export and unmasking. Append-only: the model
    refuses updates and deletes, and database triggers (migration 0002) refuse them too,
    so no page, endpoint or script can change history."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    ip = models.CharField("来源地址", max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除")


class BatchJob(models.Model):
    """One piece of background batch work with a progress bar (closing a committee's
    month, an appraisal cycle, …). Kind-agnostic: the context that owns the work names
    its `kind`, keeps what it needs in `params` and reports each item through
    `vanguard.core.batch`; each item's outcome is a `BatchJobItem` row (`items`), so a
    page can show what was done, skipped or failed, and why. See
    docs/decisions/0010-batch-jobs.md."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=64, db_index=True)
    label = models.CharField("名称", max_length=200)
    # The organisation the job covers, by id: core knows no organisations.
    scope_id = models.BigIntegerField("范围（组织编号）", null=True, blank=True, db_index=True)
    scope_label = models.CharField("范围", max_length=200, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    skipped = models.PositiveIntegerField("跳过", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    error = models.CharField("失败原因", max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Written with every step: a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = "后台批量任务"
        verbose_name_plural = "后台批量任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "scope_id", "-id"], name="core_batchjob_kind_scope")]

    def __str__(self):
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def interrupted(self) -> bool:
        """Unfinished, and no progress for BATCH_JOB_STALE_AFTER seconds: its worker was
        killed or lost. The page says so and offers to run the work again."""
        if self.finished:
            return False
        last = self.heartbeat_at or self.created_at
        limit = timedelta(seconds=getattr(settings, "BATCH_JOB_STALE_AFTER", 600))
        return last is not None and timezone.now() - last >= limit

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.finished else 0)

    @property
    def succeeded(self) -> int:
        return self.done - self.skipped - self.failed

    @property
    def remaining(self) -> int:
        return max(self.total - self.done, 0)

    @property
    def items(self) -> list[dict]:
        """The items processed so far, in order: [{"id", "label", "outcome", "message"}]."""
        return [
            {"id": r.item_id, "label": r.label, "outcome": r.outcome, "message": r.message}
            for r in self.item_rows.order_by("seq")
        ]


class BatchJobItem(models.Model):
    """One processed item of a batch job and its outcome. Rows are appended as the job
    goes (a step inserts only its own items), never rewritten: a job of 3,000 branches
    writes 3,000 short rows, not a list rewritten 200 times."""

    job = models.ForeignKey(BatchJob, verbose_name="任务", on_delete=models.CASCADE, related_name="item_rows")
    seq = models.PositiveIntegerField("序号")
    item_id = models.BigIntegerField("对象编号")
    label = models.CharField("名称", max_length=300)
    outcome = models.CharField("结果", max_length=10)
    message = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "批量任务明细"
        verbose_name_plural = "批量任务明细"
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="core_batchjobitem_job_seq")]

    def __str__(self):
        return f"{self.label}：{self.outcome}"
