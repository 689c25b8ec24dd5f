from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from vanguard.accounts import lockout


class LockoutModelBackend(ModelBackend):
    """Every login path goes through django.contrib.auth.authenticate and so through
    here: a locked account is refused even with the right password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and lockout.is_locked(username):
            # PermissionDenied stops authenticate() from trying other backends and
            # fires user_login_failed, which keeps the lock fresh.
            raise PermissionDenied(lockout.LOCKED_MESSAGE)
        return super().authenticate(request, username=username, password=password, **kwargs)
