from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "vanguard.ui"
    label = "ui"
    verbose_name = "界面"
