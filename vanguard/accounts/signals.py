from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from vanguard.accounts import lockout
from vanguard.core import audit


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    lockout.register_failure(username)
    audit.record(actor=username, action="login_failed", summary=f"登录失败：{username}")


@receiver(user_logged_in)
def _on_logged_in(sender, request, user, **kwargs):
    lockout.clear(user.get_username())
    audit.record(actor=user, action="login", obj=user, summary="登录")


@receiver(user_logged_out)
def _on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", obj=user, summary="退出登录")
