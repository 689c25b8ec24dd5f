from django.conf import settings
from django.db import models

from vanguard.core.models import TimeStampedModel


class Tail4(models.Func):
    """The last four characters of a text, written with literal SQL so that a query
    matches the functional index exactly (a bound parameter would not)."""

    template = "RIGHT(%(expressions)s, 4)"
    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="SUBSTR(%(expressions)s, -4)", **extra_context)


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class PoliticalStatus(models.TextChoices):
    """Party standing. The admission pipeline (issue 3) moves a person along it; one
    person, one record, all along."""

    WORKER = "worker", "群众"
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


MEMBER_STATUSES = (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中专"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR_OR_BELOW = "junior_or_below", "初中及以下"


HIGHLY_EDUCATED = (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)


class Employment(models.TextChoices):
    ON_JOB = "on_job", "在岗"
    RETIRED = "retired", "退休"
    OFF_POST = "off_post", "离岗/内退"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    ARCHIVED = "archived", "已归档"


class ArchiveReason(models.TextChoices):
    TRANSFERRED_OUT = "transferred_out", "组织关系转出本企业"
    LEFT_COMPANY = "left_company", "离职"
    DECEASED = "deceased", "去世"
    REMOVED = "removed", "除名/出党"
    OTHER = "other", "其他"


class Person(TimeStampedModel):
    # Personal data
    name = models.CharField("姓名", max_length=30, db_index=True)
    name_pinyin = models.CharField("姓名拼音", max_length=120, db_index=True, editable=False, default="")
    name_initials = models.CharField("拼音首字母", max_length=30, db_index=True, editable=False, default="")
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("身份证号", max_length=18, unique=True, null=True, blank=True)
    native_place = models.CharField("籍贯", max_length=50, blank=True)
    education = models.CharField("学历", max_length=30, choices=Education.choices, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, db_index=True)

    # Party data
    political_status = models.CharField(
        "政治面貌",
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.WORKER,
    )
    application_date = models.DateField("申请入党日期", null=True, blank=True)
    join_date = models.DateField("入党日期", null=True, blank=True)
    full_member_date = models.DateField("转正日期", null=True, blank=True)
    # No single-column indexes on branch and group: the composite indexes in Meta start
    # with them (fewer indexes to maintain on every import).
    branch = models.ForeignKey(
        "organizations.Organization",
        verbose_name="所在党支部",
        on_delete=models.PROTECT,
        related_name="people",
        db_index=False,
    )
    group = models.ForeignKey(
        "organizations.Organization",
        verbose_name="党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_people",
        db_index=False,
    )
    party_post = models.CharField("党内职务", max_length=50, blank=True)

    # Work data
    work_district = models.ForeignKey(
        "organizations.ProductionUnit",
        verbose_name="区队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    crew = models.ForeignKey(
        "organizations.ProductionUnit",
        verbose_name="班组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    job_post = models.CharField("岗位", max_length=50, blank=True)
    job_type = models.CharField("工种", max_length=50, blank=True)
    is_frontline = models.BooleanField("一线职工", default=False)
    is_technician = models.BooleanField("专业技术人员", default=False)
    is_backbone = models.BooleanField("生产骨干", default=False)

    # Category
    employment = models.CharField(
        "在岗情况", max_length=20, choices=Employment.choices, default=Employment.ON_JOB
    )
    is_in_difficulty = models.BooleanField("困难党员/职工", default=False)
    is_mobile = models.BooleanField("流动党员", default=False)

    # Record status
    status = models.CharField(
        "档案状态", max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    archived_on = models.DateField("归档日期", null=True, blank=True)
    archive_reason = models.CharField("归档原因", max_length=30, choices=ArchiveReason.choices, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["branch_id", "name", "id"]
        indexes = [
            models.Index(fields=["branch", "status", "name"], name="person_branch_status_name"),
            models.Index(fields=["group", "status"], name="person_group_status"),
            # Search by the last digits of a phone or ID number (selectors.search_q):
            # an equality on the last four characters uses these, then the full suffix
            # is checked on the few rows found.
            models.Index(Tail4("phone"), name="person_phone_tail4"),
            models.Index(Tail4("id_number"), name="person_id_tail4"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_member(self) -> bool:
        return self.political_status in MEMBER_STATUSES


class PersonEventKind(models.TextChoices):
    CREATED = "created", "建档"
    UPDATED = "updated", "信息变更"
    TRANSFERRED = "transferred", "组织关系转接"
    ARCHIVED = "archived", "归档"
    RESTORED = "restored", "恢复在册"
    IMPORTED = "imported", "批量导入"


class PersonEvent(models.Model):
    """The status history of a person: one row per change, never updated."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=20, choices=PersonEventKind.choices)
    on = models.DateField("日期")
    from_branch = models.ForeignKey(
        "organizations.Organization",
        verbose_name="原支部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_branch = models.ForeignKey(
        "organizations.Organization",
        verbose_name="新支部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField("摘要", max_length=500, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "人员沿革"
        verbose_name_plural = "人员沿革"
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.on}"
