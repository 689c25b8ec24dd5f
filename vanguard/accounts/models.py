from django.contrib.auth.models import AbstractUser
from django.db import models

from vanguard.core.models import TimeStampedModel


class Role(models.TextChoices):
    """Posts a user can hold at a node of the organisation tree. A member needs no post:
    a user linked to a person always sees that person (self)."""

    ORG_DEPARTMENT = "org_department", "党委组织部"
    COMMITTEE_SECRETARY = "committee_secretary", "党委书记"
    COMMITTEE_ORGANIZER = "committee_organizer", "党委组织委员"
    BRANCH_SECRETARY = "branch_secretary", "党支部书记"
    BRANCH_COMMITTEE_MEMBER = "branch_committee_member", "党支部委员"
    GROUP_LEADER = "group_leader", "党小组长"


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    # The person this account belongs to (member, or worker). Plain id, not a foreign
    # key: accounts must not depend on the people context's models.
    person_id = models.BigIntegerField("对应人员编号", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username


class Post(TimeStampedModel):
    """A role held at an organisation (the node the role's scope starts from)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="posts")
    role = models.CharField("职务", max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="所在组织",
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField("任职日期", null=True, blank=True)
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=models.Q(ended_on__isnull=True),
                name="post_unique_active",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class LoginFailure(models.Model):
    """Failed logins per account name, whatever the path (web form, API token, admin
    commands that call authenticate). Five within the lock window lock the account."""

    username = models.CharField("账号", max_length=150, db_index=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    ip = models.CharField("来源地址", max_length=64, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for the JSON API (mobile apps, HR systems). Only the SHA-256 of
    the token is stored, so a copy of the database lets nobody call the API; a token
    expires (API_TOKEN_HOURS, 8 h by default) and can be revoked (logout)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    client = models.CharField("客户端", max_length=200, blank=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
