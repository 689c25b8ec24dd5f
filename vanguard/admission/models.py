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
