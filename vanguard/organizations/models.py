from django.conf import settings
from django.db import models

from vanguard.core.models import TimeStampedModel


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


class OrgStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"
    MERGED = "merged", "已合并"


class Organization(TimeStampedModel):
    """A node of the party organisation tree. `path` is the materialised path of ids
    ("/1/4/17/") so that a subtree is one indexed prefix query; it is rewritten for the
    whole subtree when a node moves. Dissolved and merged nodes stay, with their
    history, so that their former members and records remain findable."""

    name = models.CharField("组织名称", max_length=100)
    kind = models.CharField("组织类型", max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    status = models.CharField("状态", max_length=20, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    established_on = models.DateField("成立日期", null=True, blank=True)
    ended_on = models.DateField("撤销/合并日期", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(status="active"),
                name="org_unique_active_name_under_parent",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class OrgEventKind(models.TextChoices):
    CREATED = "created", "成立"
    RENAMED = "renamed", "更名"
    MOVED = "moved", "调整隶属关系"
    MERGED = "merged", "合并"
    DISSOLVED = "dissolved", "撤销"
    UNITS = "units", "调整覆盖区队/班组"


class OrgEvent(models.Model):
    """The history of a node: never updated, one row per change."""

    organization = models.ForeignKey(
        Organization, verbose_name="组织", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事项", max_length=20, choices=OrgEventKind.choices)
    on = models.DateField("日期")
    old_value = models.CharField("原值", max_length=255, blank=True)
    new_value = models.CharField("新值", max_length=255, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
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
        verbose_name = "组织沿革"
        verbose_name_plural = "组织沿革"
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()} {self.on}"


class UnitKind(models.TextChoices):
    WORK_DISTRICT = "work_district", "区队"
    CREW = "crew", "班组"


class ProductionUnit(TimeStampedModel):
    """A work district (区队) or crew (班组) of the mine. Workers and, later, safety
    records hang on them; a branch covers work districts, a group covers crews."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="所属区队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crews",
    )
    organization = models.ForeignKey(
        Organization, verbose_name="覆盖的党组织", on_delete=models.PROTECT, related_name="units"
    )
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "区队/班组"
        verbose_name_plural = "区队/班组"
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name
