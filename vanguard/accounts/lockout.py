"""Login lockout: LOGIN_MAX_FAILURES failures within LOGIN_LOCK_MINUTES lock the
account name for LOGIN_LOCK_MINUTES from the last failure. Counted per account name
(not per IP), so that every path — web form, API token — shares one counter."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from vanguard.accounts.models import LoginFailure
from vanguard.core.context import current_ip


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def is_locked(username: str) -> bool:
    username = (username or "").strip().lower()
    recent = LoginFailure.objects.filter(username=username, at__gte=_window_start()).count()
    return recent >= settings.LOGIN_MAX_FAILURES


def register_failure(username: str) -> None:
    LoginFailure.objects.create(username=(username or "").strip().lower()[:150], ip=current_ip.get())


def clear(username: str) -> None:
    LoginFailure.objects.filter(username=(username or "").strip().lower()).delete()


LOCKED_MESSAGE = "账号：连续 5 次登录失败，已锁定 30 分钟，请稍后再试或联系管理员"
