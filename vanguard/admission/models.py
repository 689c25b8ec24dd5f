"""The admission dossier (发展党员档案) and its steps.

A dossier follows one person from application to full membership (or cancellation).
Each step of 《中国共产党发展党员工作细则》 is a `Step` row: dated, with who decided it
and where. Steps are never edited: a correction is a new row that points at the one
it replaces (`corrects`), and both stay visible. The dossier's `stage` is the state the
recorded steps have brought it to."""

from django.conf import settings
from django.db import models

from vanguard.core.models import TimeStampedModel


class Stage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    CANCELLED = "cancelled", "取消预备党员资格"
    STOPPED = "stopped", "终止培养"


OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


class StepKind(models.TextChoices):
    # 细则 steps 1–25, in order
    APPLICATION = "application", "递交入党申请书"
    APPLICATION_TALK = "application_talk", "派人谈话"
    ACTIVIST = "activist", "确定为入党积极分子"
    INSPECTION = "inspection", "培养考察（半年一次）"
    CANDIDATE = "candidate", "确定为发展对象"
    SPONSORS = "sponsors", "确定入党介绍人"
    POLITICAL_REVIEW = "political_review", "政治审查"
    TRAINING = "training", "集中培训"
    COMMITTEE_REVIEW = "committee_review", "支委会审查"
    NOTICE = "notice", "公示"
    PRE_REVIEW = "pre_review", "党委预审"
    VOLUNTEER_FORM = "volunteer_form", "填写入党志愿书"
    CONGRESS = "congress", "支部党员大会讨论接收"
    COMMITTEE_TALK = "committee_talk", "党委派人谈话"
    APPROVAL = "approval", "党委审批"
    OATH = "oath", "入党宣誓"
    PROBATION_INSPECTION = "probation_inspection", "预备期考察"
    CONVERSION_APPLICATION = "conversion_application", "提出转正申请"
    OUTCOME_CONGRESS = "outcome_congress", "支部党员大会讨论转正"
    OUTCOME_APPROVAL = "outcome_approval", "党委审批转正"
    ARCHIVE = "archive", "材料归档"
    STOP = "stop", "终止培养"


class Dossier(TimeStampedModel):
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="dossiers"
    )
    stage = models.CharField(
        "阶段", max_length=20, choices=Stage.choices, default=Stage.APPLICANT, db_index=True
    )
    stage_since = models.DateField("进入本阶段日期")
    opened_on = models.DateField("申请日期")
    closed_on = models.DateField("结束日期", null=True, blank=True)
    archived_on = models.DateField("归档日期", null=True, blank=True)
    # Set when the committee approved under the six-month special case (细则 art. 23).
    special_case = models.BooleanField("特殊情况延长审批期限", default=False)

    class Meta:
        verbose_name = "发展党员档案"
        verbose_name_plural = "发展党员档案"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(closed_on__isnull=True),
                name="dossier_one_open_per_person",
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.get_stage_display()}"


class Step(models.Model):
    """One dated step, with who decided it, where, and its own facts in `data`
    (mentors, votes, objections …). Append-only; see module docstring."""

    dossier = models.ForeignKey(Dossier, verbose_name="档案", on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField("环节", max_length=30, choices=StepKind.choices)
    on = models.DateField("日期")
    decided_by = models.CharField("决定/经办", max_length=100, blank=True)
    meeting = models.CharField("会议", max_length=200, blank=True)
    document = models.CharField("材料/文号", max_length=200, blank=True)
    data = models.JSONField("内容", default=dict, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name="更正的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "发展环节"
        verbose_name_plural = "发展环节"
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["dossier", "kind"], name="step_dossier_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.on}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("发展环节记录只能追加；更正请新增一条更正记录")
        super().save(*args, **kwargs)


# --- 四步 (seed 001): 定计划 and 抓培训 ---------------------------------------------------


class AdmissionPlan(TimeStampedModel):
    """A branch's admission plan for a year (一步定计划, seed 001), set by its party
    committee: how many new members, and from where (二步拓源头: frontline team leaders and
    technicians first). Never edited: a change is a new row that `replaces` the one
    before, with the reason, so the old figures stay; the current plan is the row no
    other row replaces. See docs/decisions/0006-four-steps.md."""

    branch = models.ForeignKey(
        "organizations.Organization", verbose_name="党支部", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    planned = models.PositiveIntegerField("计划发展人数")
    from_team_leaders = models.PositiveIntegerField("其中：一线班组长", default=0)
    from_technicians = models.PositiveIntegerField("其中：专业技术人员", default=0)
    from_frontline = models.PositiveIntegerField("其中：其他一线职工", default=0)
    from_others = models.PositiveIntegerField("其中：其他人员", default=0)
    note = models.CharField("说明", max_length=300, blank=True)
    reason = models.CharField("调整原因", max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="调整前的计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "年度发展党员计划"
        verbose_name_plural = "年度发展党员计划"
        ordering = ["year", "branch_id", "id"]
        constraints = [
            # One first version per branch and year; later versions chain through
            # `replaces` (one-to-one), so there is one current plan at a time.
            models.UniqueConstraint(
                fields=["branch", "year"],
                condition=models.Q(replaces__isnull=True),
                name="admission_plan_one_first_version",
            )
        ]
        indexes = [models.Index(fields=["year", "branch"], name="admission_plan_year_branch")]

    def __str__(self):
        return f"{self.year} {self.branch_id}: {self.planned}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("发展计划只能新增调整记录，不能改写")
        super().save(*args, **kwargs)


class TrainingClass(TimeStampedModel):
    """The committee's yearly class for activists (四步抓培训, seed 001: "坚持每年集中
    举办一次入党积极分子培训班"). Attendance is kept per class (present or absent for
    the whole class): the dossier's training step (细则 art. 16) records the class's
    days and hours, so only a participant who attended the whole class earns them.
    Closed (结业) once the training steps are recorded; read-only from then on."""

    committee = models.ForeignKey(
        "organizations.Organization", verbose_name="举办党委", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("培训班名称", max_length=100)
    starts_on = models.DateField("开班日期")
    ends_on = models.DateField("结业日期")
    days = models.PositiveSmallIntegerField("培训天数")
    hours = models.PositiveSmallIntegerField("培训学时")
    place = models.CharField("地点", max_length=100, blank=True)
    closed_on = models.DateField("结业登记日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "入党积极分子培训班"
        verbose_name_plural = "入党积极分子培训班"
        ordering = ["-year", "-starts_on", "id"]
        indexes = [models.Index(fields=["committee", "year"], name="training_class_committee_year")]

    def __str__(self):
        return self.title


class TrainingAttendance(models.Model):
    """One participant of a class: present for the whole class or not, the knowledge
    test, and the training step recorded from it (if any)."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name="培训班", on_delete=models.PROTECT, related_name="attendances"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="学员", on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name="发展党员档案", on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField("出勤（全程参加）", null=True, blank=True)
    knowledge_passed = models.BooleanField("结业考试合格", null=True, blank=True)
    step = models.OneToOneField(
        Step,
        verbose_name="记入的培训环节",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField("报名时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训班学员"
        verbose_name_plural = "培训班学员"
        ordering = ["training_class_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="training_attendance_once")
        ]

    def __str__(self):
        return f"{self.training_class_id} {self.person_id}"


# --- 违规发展党员排查: the audit of the dossiers already in the system (issue 3 point 6) ---


class AuditRun(TimeStampedModel):
    """One audit of every dossier in the starter's scope, judged by the rules on `on`.
    Run as a background job; once done (or failed) it is never changed — a new audit
    is a new run. See docs/decisions/0007-admission-audit.md."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "排查中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scope_label = models.CharField("排查范围", max_length=300, blank=True)
    on = models.DateField("排查日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)
    dossiers = models.PositiveIntegerField("排查档案数", default=0)
    flagged = models.PositiveIntegerField("有问题的档案数", default=0)
    # {"codes": {code: dossiers}, "checks": {"1": dossiers, …, "0": other national rules}}
    counts = models.JSONField("问题统计", default=dict, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "违规发展党员排查"
        verbose_name_plural = "违规发展党员排查"
        ordering = ["-id"]

    def __str__(self):
        return f"排查 {self.pk} · {self.on}"


class AuditResult(models.Model):
    """One dossier with findings in one run, as it stood when the run was made (the
    person's name, branch and stage are kept so that the result reads the same later).
    `codes` and `checks` are ",a,b," lists for filtering on every database."""

    run = models.ForeignKey(AuditRun, verbose_name="排查", on_delete=models.CASCADE, related_name="results")
    dossier = models.ForeignKey(Dossier, verbose_name="档案", on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField("姓名", max_length=50)
    branch = models.ForeignKey(
        "organizations.Organization",
        verbose_name="党支部",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    branch_name = models.CharField("党支部名称", max_length=100, blank=True)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    codes = models.CharField("问题代码", max_length=400)
    checks = models.CharField("五查", max_length=20)
    findings = models.JSONField("问题", default=list)

    class Meta:
        verbose_name = "排查结果"
        verbose_name_plural = "排查结果"
        ordering = ["run_id", "id"]

    def __str__(self):
        return f"{self.person_name} {self.codes.strip(',')}"
