from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vanguard.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from vanguard.accounts import signals  # noqa: F401
