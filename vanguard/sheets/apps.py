from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "vanguard.sheets"
    label = "sheets"
    verbose_name = "表格"
