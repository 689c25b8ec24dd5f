from django import forms
from django.contrib.auth.forms import AuthenticationForm

from vanguard.accounts import lockout
from vanguard.core import audit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "账号或密码：不正确（连续 5 次失败将锁定 30 分钟）",
        "inactive": "账号：已停用，请联系管理员",
        "locked": lockout.LOCKED_MESSAGE,
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and lockout.is_locked(username):
            audit.record(actor=username, action="login_locked", summary=f"锁定期间尝试登录：{username}")
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        return super().clean()
