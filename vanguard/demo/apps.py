from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "vanguard.demo"
    label = "demo"
    verbose_name = "演示数据"
