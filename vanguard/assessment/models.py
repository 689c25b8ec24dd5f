"""The monthly assessment (月度考评, issue 4 points 1–3): versioned scoring rules and their
items, the score entries of a month, the closing of a month for a branch, its results
and the amendments to them.

Closed things stay closed (ARCHITECTURE, house habit 4): a rules version is never
edited (a change is a new version), an archived result never changes (the model and its
queryset refuse), and a correction is an `Amendment` row that points at the result."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef

from vanguard.assessment import evidence as evidence_files
from vanguard.core.models import TimeStampedModel


class ReadOnly(Exception):
    """A write to a closed record (a rules version in use, an archived result)."""


class ScoringRules(models.Model):
    """One version of the 考评办法 of an organisation. The enterprise's is set by the
    organisation department on the root committee; a committee or a branch may adapt
    it for its own members (the deepest organisation with a version in force wins)."""

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="制定组织", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("起用月份")  # always the first of a month
    base = models.DecimalField("基础分", max_digits=5, decimal_places=1)
    floor = models.DecimalField("保底分", max_digits=5, decimal_places=1)
    cap = models.DecimalField("封顶分", max_digits=5, decimal_places=1)
    pass_mark = models.DecimalField("合格线", max_digits=5, decimal_places=1)
    penalty = models.DecimalField("不合格处罚（元）", max_digits=8, decimal_places=2)
    # How the group's results enter a group leader's score (issue 4 point 4, decision 0009):
    # percent of the leader's score taken from the mean of the group's members; 0 = off.
    leader_group_weight = models.PositiveSmallIntegerField("党小组长考核：小组平均分权重（%）", default=0)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制定人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "考评办法"
        verbose_name_plural = "考评办法"
        ordering = ["organization_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="rules_unique_version"),
            models.UniqueConstraint(fields=["organization", "effective_from"], name="rules_unique_month"),
        ]

    def __str__(self):
        return f"考评办法 第{self.version}版（{self.effective_from:%Y-%m} 起）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnly("考评办法的版本一经制定不能修改，请制定新版本")
        super().save(*args, **kwargs)


class ItemSource(models.TextChoices):
    """Where an item's entries come from. `manual` entries are recorded by hand; other
    sources are filled by providers registered in `vanguard.assessment.sources` (meetings
    attended, study hours, violations — later modules), through the same service."""

    MANUAL = "manual", "人工记录"
    MEETINGS = "meetings", "会议出勤（自动）"
    STUDY = "study", "学习时长（自动）"
    VIOLATIONS = "violations", "三违（自动）"


class ScoringItem(models.Model):
    rules = models.ForeignKey(
        ScoringRules, verbose_name="考评办法", on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField("项目", max_length=60)
    points = models.DecimalField("每次分值", max_digits=5, decimal_places=1)  # sign: + bonus, − deduction
    monthly_limit = models.DecimalField("每月上限", max_digits=5, decimal_places=1, null=True, blank=True)
    source = models.CharField("来源", max_length=20, choices=ItemSource.choices, default=ItemSource.MANUAL)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "考评项目"
        verbose_name_plural = "考评项目"
        ordering = ["rules_id", "position", "id"]

    def __str__(self):
        return self.name

    @property
    def is_bonus(self) -> bool:
        return self.points > 0


def evidence_path(instance, filename: str) -> str:
    """Where an evidence file is kept under MEDIA_ROOT: a random name that cannot be
    guessed (the extension is the one of the file's real kind, set by the service). The
    folder is never served as /media/: `assessment:evidence` checks who asks."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return f"assessment/evidence/{instance.month:%Y-%m}/{secrets.token_urlsafe(24)}{suffix}"


class EntryQuerySet(models.QuerySet):
    """Entries are append-only once their month is published (house habit 4): a
    correction after that is an amendment of the result."""

    def _closed(self):
        return self.filter(
            Exists(
                MonthClose.objects.filter(branch=OuterRef("branch"), month=OuterRef("month")).exclude(
                    state=CloseState.DRAFT
                )
            )
        )

    def update(self, **kwargs):
        if self._closed().exists():
            raise ReadOnly("已通报月份的考评记录不能修改")
        return super().update(**kwargs)

    def delete(self):
        if self._closed().exists():
            raise ReadOnly("已通报月份的考评记录不能删除")
        return super().delete()


class ScoreEntry(models.Model):
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="score_entries"
    )
    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ScoringItem, verbose_name="项目", on_delete=models.PROTECT, related_name="entries"
    )
    month = models.DateField("月份", db_index=True)
    on = models.DateField("日期")
    points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    evidence = models.TextField("依据", blank=True)
    # A photo or a file as evidence (issue 4 point 2), checked by its content
    # (`assessment.evidence`); served only through the `assessment:evidence` view.
    attachment = models.FileField("附件", upload_to=evidence_path, max_length=200, blank=True)
    attachment_name = models.CharField("附件原名", max_length=100, blank=True)
    attachment_type = models.CharField("附件类型", max_length=100, blank=True)  # told by its content
    attachment_size = models.PositiveIntegerField("附件大小（字节）", null=True, blank=True)
    source = models.CharField("来源", max_length=20, choices=ItemSource.choices, default=ItemSource.MANUAL)
    # A provider's own key for the fact (a meeting id …), so that re-running it never
    # adds the same entry twice.
    source_key = models.CharField("来源编号", max_length=64, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "考评记录"
        verbose_name_plural = "考评记录"
        ordering = ["month", "on", "id"]
        indexes = [models.Index(fields=["branch", "month"], name="entry_branch_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "item", "source", "source_key"],
                condition=~models.Q(source_key=""),
                name="entry_unique_source_key",
            )
        ]

    def __str__(self):
        return f"{self.on:%Y-%m-%d} {self.points}"

    def save(self, *args, **kwargs):
        if self.pk is not None and self._month_closed():
            raise ReadOnly("已通报月份的考评记录不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._month_closed():
            raise ReadOnly("已通报月份的考评记录不能删除")
        return super().delete(*args, **kwargs)

    def _month_closed(self) -> bool:
        return (
            MonthClose.objects.filter(branch_id=self.branch_id, month=self.month)
            .exclude(state=CloseState.DRAFT)
            .exists()
        )

    @property
    def attachment_kind(self) -> evidence_files.Kind | None:
        return evidence_files.BY_CONTENT_TYPE.get(self.attachment_type)


class CloseState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已通报（异议期）"
    ARCHIVED = "archived", "已归档"


class MonthClose(TimeStampedModel):
    """The closing of one month for one branch. One row per (branch, month): closing
    locks it (select_for_update), so two closes at once produce one set of results."""

    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("月份")
    state = models.CharField("状态", max_length=20, choices=CloseState.choices, default=CloseState.DRAFT)
    closed_at = models.DateTimeField("结算时间", null=True, blank=True)
    published_on = models.DateField("通报日期", null=True, blank=True)
    objection_until = models.DateField("异议截止", null=True, blank=True)
    archived_on = models.DateField("归档日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="结算人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "月度结算"
        verbose_name_plural = "月度结算"
        constraints = [models.UniqueConstraint(fields=["branch", "month"], name="close_unique_branch_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_state_display()}"


class ResultQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(close__state=CloseState.ARCHIVED).exists():
            raise ReadOnly("已归档的考评结果不能修改，请用“更正”")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(close__state=CloseState.ARCHIVED).exists():
            raise ReadOnly("已归档的考评结果不能删除")
        return super().delete()


class MonthlyResult(models.Model):
    close = models.ForeignKey(
        MonthClose, verbose_name="结算", on_delete=models.PROTECT, related_name="results"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="monthly_results"
    )
    month = models.DateField("月份")
    group = models.ForeignKey(
        "organizations.Organization",
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rules = models.ForeignKey(
        ScoringRules, verbose_name="考评办法", on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    group_rank = models.PositiveIntegerField("小组排名", null=True, blank=True)
    branch_rank = models.PositiveIntegerField("支部排名")
    qualified = models.BooleanField("合格")
    penalty = models.DecimalField("处罚（元）", max_digits=8, decimal_places=2)
    explanation = models.JSONField("计算过程", default=list)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "月度考评结果"
        verbose_name_plural = "月度考评结果"
        ordering = ["branch_rank", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="result_unique_person_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.score}"

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and MonthClose.objects.filter(pk=self.close_id, state=CloseState.ARCHIVED).exists()
        ):
            raise ReadOnly("已归档的考评结果不能修改，请用“更正”")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if MonthClose.objects.filter(pk=self.close_id, state=CloseState.ARCHIVED).exists():
            raise ReadOnly("已归档的考评结果不能删除")
        return super().delete(*args, **kwargs)


class Amendment(models.Model):
    """A correction of an archived result by a higher role, with its reason. The result
    stays as it was; the latest amendment is what counts (payroll, the year)."""

    result = models.ForeignKey(
        MonthlyResult, verbose_name="原结果", on_delete=models.PROTECT, related_name="amendments"
    )
    score = models.DecimalField("更正后得分", max_digits=5, decimal_places=1)
    qualified = models.BooleanField("更正后合格")
    penalty = models.DecimalField("更正后处罚（元）", max_digits=8, decimal_places=2)
    reason = models.CharField("更正原因", max_length=300)
    at = models.DateTimeField("更正时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "考评结果更正"
        verbose_name_plural = "考评结果更正"
        ordering = ["result_id", "at", "id"]

    def __str__(self):
        return f"更正为 {self.score}：{self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnly("更正记录不能修改，请再次更正")
        super().save(*args, **kwargs)


class YearConfirmation(models.Model):
    """The branch's confirmation of the shortlist for the yearly excellent-member
    selection (issue 4 point 5): the shortlist as computed when confirmed, kept as it was.
    Read-only once written; confirming again is a new row (the latest counts)."""

    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    months = models.JSONField("依据的归档月份", default=list)
    shortlist = models.JSONField("推荐名单", default=list)
    note = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField("确认时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "年度评优推荐确认"
        verbose_name_plural = "年度评优推荐确认"
        ordering = ["branch_id", "year", "at", "id"]

    def __str__(self):
        return f"{self.year} 年度评优推荐（{len(self.shortlist)} 人）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnly("已确认的推荐名单不能修改，请重新确认")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadOnly("已确认的推荐名单不能删除")
