"""The quantitative appraisal of members (党员量化考核, seed 004: 填卡 · 评分 · 挂旗;
issue 4 points 6–9).

- 填卡: a member's goal card (`GoalCard`) for a year — the five parts of the "5+X" card
  and the branch's tasks (`GoalTask`, the X) — self-checked every quarter
  (`QuarterCheck`), each self-check reviewed by the branch.
- 评分: a rubric (`Rubric` → `RubricAspect` → `RubricItem`, default 7 aspects and 18
  items) versioned by the organisation department; a cycle (`Cycle`) freezes the version
  it uses and its source weights. Every evaluator's scoring of one member is one
  `Evaluation` row (the item points in `scores`, their sum in `total`), so autosaving a
  cell writes one row and computing a cycle reads one row per evaluation.
- 挂旗: a cycle's `CycleResult` per member (score, flag, rank, the explanation that never
  names evaluators); every member at yellow or below gets a `Talk` task, recorded in
  `TalkEntry` rows and followed up until closed.

Closed things stay closed (ARCHITECTURE, house habit 4): a rubric version is never
edited (a change is a new version), a confirmed card and a reviewed self-check never
change, an archived cycle's results never change, and talk entries are append-only."""

from django.conf import settings
from django.db import models

from vanguard.core.encoders import ReadableJSONEncoder, RowJSONField
from vanguard.core.models import TimeStampedModel


class ReadOnly(Exception):
    """A write to a closed record (a rubric version, a confirmed card, an archived result)."""


class _AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnly(f"{self._meta.verbose_name}一经记录不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadOnly(f"{self._meta.verbose_name}不能删除")


# --- 填卡: the goal card ----------------------------------------------------------------------


class CardPart(models.TextChoices):
    """The five parts of the 党员争优目标计划卡 (seed 004 names three: yearly goals, measures,
    commitments; the other two are the study plan and the contact with workers of the
    "1+2+3" 联系群众 work — docs/decisions/0012)."""

    GOALS = "goals", "年度工作目标"
    MEASURES = "measures", "争优措施"
    COMMITMENTS = "commitments", "承诺事项"
    STUDY = "study", "学习提升计划"
    CONTACT = "contact", "联系服务群众"


class CardState(models.TextChoices):
    DRAFT = "draft", "填写中"
    SUBMITTED = "submitted", "已提交，待支部确认"
    CONFIRMED = "confirmed", "支部已确认"


class GoalCard(TimeStampedModel):
    """One member's goal card for one year. The member (or the branch on their behalf)
    fills the five parts while it is a draft or submitted; once the branch confirms it,
    the parts never change (tasks X can still be added by the branch)."""

    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="goal_cards"
    )
    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    goals = models.TextField(CardPart.GOALS.label, blank=True)
    measures = models.TextField(CardPart.MEASURES.label, blank=True)
    commitments = models.TextField(CardPart.COMMITMENTS.label, blank=True)
    study = models.TextField(CardPart.STUDY.label, blank=True)
    contact = models.TextField(CardPart.CONTACT.label, blank=True)
    state = models.CharField("状态", max_length=12, choices=CardState.choices, default=CardState.DRAFT)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填写人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "党员争优目标计划卡"
        verbose_name_plural = "党员争优目标计划卡"
        ordering = ["branch_id", "year", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="card_unique_person_year")]
        indexes = [models.Index(fields=["branch", "year"], name="card_branch_year")]

    def __str__(self):
        return f"{self.year} 年度目标计划卡"


class GoalTask(TimeStampedModel):
    """A task X the branch adds to a member's card (党组织临时安排的工作任务)."""

    card = models.ForeignKey(GoalCard, verbose_name="目标卡", on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    detail = models.TextField("要求", blank=True)
    due = models.DateField("完成期限", null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="布置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "组织安排任务（X）"
        verbose_name_plural = "组织安排任务（X）"
        ordering = ["card_id", "id"]

    def __str__(self):
        return self.title


class CheckVerdict(models.TextChoices):
    GOOD = "good", "好"
    FAIR = "fair", "较好"
    ORDINARY = "ordinary", "一般"
    POOR = "poor", "差"


class QuarterCheck(TimeStampedModel):
    """The member's self-check of their card in one quarter: how far each part and each
    task X has come (`progress`: {part or "task:<id>": text}, `done_tasks`: ids), then the
    branch's review. Once reviewed it never changes."""

    card = models.ForeignKey(GoalCard, verbose_name="目标卡", on_delete=models.PROTECT, related_name="checks")
    quarter = models.PositiveSmallIntegerField("季度")  # 1–4
    progress = models.JSONField("完成情况", default=dict)
    done_tasks = models.JSONField("已完成的任务", default=list)
    submitted_at = models.DateTimeField("自查提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verdict = models.CharField("支部评价", max_length=10, choices=CheckVerdict.choices, blank=True)
    review = models.TextField("支部意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "季度自查"
        verbose_name_plural = "季度自查"
        ordering = ["card_id", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["card", "quarter"], name="check_unique_card_quarter"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="check_quarter_1_4"
            ),
        ]

    def __str__(self):
        return f"第{self.quarter}季度自查"

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and QuarterCheck.objects.filter(pk=self.pk, reviewed_at__isnull=False).exists()
        ):
            raise ReadOnly("已审核的季度自查不能修改")
        super().save(*args, **kwargs)


# --- 评分: the rubric ------------------------------------------------------------------------


class Rubric(_AppendOnly):
    """One version of the 党员量化考核细则 of the enterprise (set by the organisation
    department on the root of the tree). Never edited: a change is a new version; a cycle
    keeps the version it was opened with."""

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="制定组织", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本")
    title = models.CharField("名称", max_length=100, default="党员量化考核细则")
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "量化考核细则"
        verbose_name_plural = "量化考核细则"
        ordering = ["organization_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="rubric_unique_version")
        ]

    def __str__(self):
        return f"{self.title} 第{self.version}版"


class RubricAspect(_AppendOnly):
    rubric = models.ForeignKey(Rubric, verbose_name="细则", on_delete=models.PROTECT, related_name="aspects")
    name = models.CharField("方面", max_length=60)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "考核方面"
        verbose_name_plural = "考核方面"
        ordering = ["rubric_id", "position", "id"]

    def __str__(self):
        return self.name


class RubricItem(_AppendOnly):
    rubric = models.ForeignKey(Rubric, verbose_name="细则", on_delete=models.PROTECT, related_name="items")
    aspect = models.ForeignKey(
        RubricAspect, verbose_name="方面", on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField("考核内容", max_length=100)
    guidance = models.CharField("评分标准", max_length=300, blank=True)
    max_points = models.DecimalField("分值", max_digits=4, decimal_places=1)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "考核内容"
        verbose_name_plural = "考核内容"
        ordering = ["rubric_id", "position", "id"]

    def __str__(self):
        return self.name


# --- 评分: cycles and evaluations -------------------------------------------------------------


class CycleKind(models.TextChoices):
    YEARLY = "yearly", "年度"
    QUARTERLY = "quarterly", "季度"


class CycleState(models.TextChoices):
    OPEN = "open", "评分中"
    PUBLISHED = "published", "已公示（挂旗）"
    ARCHIVED = "archived", "已归档"


class Cycle(TimeStampedModel):
    """One appraisal of the members of an organisation (a branch, or a committee for all
    its branches) for a year or a quarter, under a frozen rubric version and weights that
    add up to 100. Open: evaluations are recorded; closing computes every member's
    `CycleResult` and publishes them (the flag board); archiving freezes them."""

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("周期", max_length=10, choices=CycleKind.choices, default=CycleKind.YEARLY)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", null=True, blank=True)
    rubric = models.ForeignKey(
        Rubric, verbose_name="考核细则（冻结版本）", on_delete=models.PROTECT, related_name="+"
    )
    weight_self = models.PositiveSmallIntegerField("个人自评权重（%）", default=10)
    weight_peer = models.PositiveSmallIntegerField("党员互评权重（%）", default=30)
    weight_worker = models.PositiveSmallIntegerField("群众参评权重（%）", default=20)
    weight_organization = models.PositiveSmallIntegerField("组织考评权重（%）", default=40)
    state = models.CharField("状态", max_length=12, choices=CycleState.choices, default=CycleState.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("结算时间", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True)
    archived_on = models.DateField("归档日期", null=True, blank=True)

    class Meta:
        verbose_name = "量化考核周期"
        verbose_name_plural = "量化考核周期"
        ordering = ["-year", "-quarter", "organization_id"]
        constraints = [
            # One cycle per organisation and period (a yearly one has no quarter; two
            # constraints because SQLite cannot treat NULLs as equal in one).
            models.UniqueConstraint(
                fields=["organization", "kind", "year"],
                condition=models.Q(quarter__isnull=True),
                name="cycle_unique_year",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "year", "quarter"],
                condition=models.Q(quarter__isnull=False),
                name="cycle_unique_quarter",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_self__lte=100)
                & models.Q(weight_peer__lte=100)
                & models.Q(weight_worker__lte=100)
                & models.Q(weight_organization__lte=100),
                name="cycle_weights_at_most_100",
            ),
        ]

    def __str__(self):
        period = f"{self.year} 年第{self.quarter}季度" if self.quarter else f"{self.year} 年度"
        return f"{period}党员量化考核"

    @property
    def weights(self) -> dict[str, int]:
        return {
            "self": self.weight_self,
            "peer": self.weight_peer,
            "worker": self.weight_worker,
            "organization": self.weight_organization,
        }


class Source(models.TextChoices):
    """The four sources of seed 004 (个人自评、党员互评、群众参评、组织考评); the values are
    those of `vanguard.assessment.rules.SOURCES` and of the `appraisal_score` contract."""

    SELF = "self", "个人自评"
    PEER = "peer", "党员互评"
    WORKER = "worker", "群众参评"
    ORGANIZATION = "organization", "组织考评"


class Evaluation(TimeStampedModel):
    """One evaluator's scoring of one member in a cycle: the points per rubric item
    (`scores`: {item id: "8.5"}) and their sum. `evaluator` is the person who scored when
    known (self, peers, committee members); a worker's paper form entered by the branch
    has no person, only a `ballot` label ("群众评议表 3"). Complete when every item of the
    cycle's rubric has points; only complete evaluations count in the result.

    Who evaluated whom is never shown to the member evaluated (issue 4 point 8)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name="考核周期", on_delete=models.PROTECT, related_name="evaluations"
    )
    subject = models.ForeignKey(
        "people.Person", verbose_name="被评党员", on_delete=models.PROTECT, related_name="appraisals_received"
    )
    source = models.CharField("评价方式", max_length=12, choices=Source.choices)
    evaluator = models.ForeignKey(
        "people.Person",
        verbose_name="评价人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals_given",
    )
    ballot = models.CharField("评议表", max_length=40, blank=True)
    scores = models.JSONField("各项得分", default=dict)
    total = models.DecimalField("合计", max_digits=5, decimal_places=1, default=0)
    complete = models.BooleanField("已评完", default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "量化考核评分"
        verbose_name_plural = "量化考核评分"
        ordering = ["cycle_id", "subject_id", "source", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "subject", "source", "evaluator"],
                condition=models.Q(evaluator__isnull=False),
                name="evaluation_unique_evaluator",
            ),
            models.UniqueConstraint(
                fields=["cycle", "subject", "source", "ballot"],
                condition=models.Q(evaluator__isnull=True),
                name="evaluation_unique_ballot",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "subject"], name="evaluation_cycle_subject")]

    def __str__(self):
        return f"{self.get_source_display()} {self.total}"


class Flag(models.TextChoices):
    RED = "red", "红旗"
    YELLOW = "yellow", "黄旗"
    BLUE = "blue", "蓝旗"
    GREY = "grey", "灰旗"


class ResultQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(cycle__state=CycleState.ARCHIVED).exists():
            raise ReadOnly("已归档的量化考核结果不能修改")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(cycle__state=CycleState.ARCHIVED).exists():
            raise ReadOnly("已归档的量化考核结果不能删除")
        return super().delete()


class CycleResult(models.Model):
    """A member's result in a cycle, computed by `vanguard.assessment.rules.appraise`:
    the exact score rounded half up to one decimal, the flag read from it, the rank in the
    branch (ties share), whether a source was missing, and per source the number of
    evaluations counted and trimmed and the mean — never who gave which score."""

    cycle = models.ForeignKey(
        Cycle, verbose_name="考核周期", on_delete=models.PROTECT, related_name="results"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="appraisal_results"
    )
    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField("得分", max_digits=4, decimal_places=1)
    flag = models.CharField("旗帜", max_length=10, choices=Flag.choices)
    rank = models.PositiveIntegerField("支部排名")
    incomplete = models.BooleanField("评价来源不全", default=False)
    explanation = RowJSONField("计算过程", default=dict, encoder=ReadableJSONEncoder)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "量化考核结果"
        verbose_name_plural = "量化考核结果"
        ordering = ["branch_id", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="appraisal_result_unique")]
        indexes = [models.Index(fields=["cycle", "branch"], name="appraisal_result_branch")]

    def __str__(self):
        return f"{self.score}（{self.get_flag_display()}）"

    def save(self, *args, **kwargs):
        if self.pk is not None and self._archived():
            raise ReadOnly("已归档的量化考核结果不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._archived():
            raise ReadOnly("已归档的量化考核结果不能删除")
        return super().delete(*args, **kwargs)

    @property
    def explained(self) -> dict:
        """How the score was computed, for a page: written from the stored facts."""
        from vanguard.appraisal.cycles import explained

        return explained(self)

    def _archived(self) -> bool:
        return Cycle.objects.filter(pk=self.cycle_id, state=CycleState.ARCHIVED).exists()


# --- 挂旗: talks with members at yellow or below ----------------------------------------------


class TalkState(models.TextChoices):
    OPEN = "open", "待谈话"
    TALKED = "talked", "已谈话，跟踪整改"
    CLOSED = "closed", "已销号"


class Talk(TimeStampedModel):
    """A talk task for a member flagged yellow or below (seed 004: 对挂黄旗以下的党员进行
    谈话): assigned to the branch secretary or a committee member they choose, recorded
    (`TalkEntry` of kind talk: what was pointed out, what the member will change), followed
    up (`TalkEntry` of kind follow-up) until closed. One per member and cycle."""

    result = models.OneToOneField(
        CycleResult, verbose_name="考核结果", on_delete=models.PROTECT, related_name="talk"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="党员", on_delete=models.PROTECT, related_name="talks"
    )
    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="谈话人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due = models.DateField("谈话期限", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=TalkState.choices, default=TalkState.OPEN)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "谈话任务"
        verbose_name_plural = "谈话任务"
        ordering = ["state", "due", "id"]
        indexes = [models.Index(fields=["branch", "state"], name="talk_branch_state")]

    def __str__(self):
        return f"谈话任务（{self.get_state_display()}）"


class TalkEntryKind(models.TextChoices):
    TALK = "talk", "谈话"
    FOLLOW_UP = "follow_up", "跟踪回访"
    CLOSE = "close", "销号"


class TalkEntry(_AppendOnly):
    talk = models.ForeignKey(Talk, verbose_name="谈话任务", on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类别", max_length=10, choices=TalkEntryKind.choices)
    on = models.DateField("日期")
    talker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pointed_out = models.TextField("指出的问题", blank=True)
    will_change = models.TextField("整改措施（党员承诺）", blank=True)
    note = models.TextField("情况记录", blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "谈话记录"
        verbose_name_plural = "谈话记录"
        ordering = ["talk_id", "on", "id"]

    def __str__(self):
        return f"{self.on} {self.get_kind_display()}"
