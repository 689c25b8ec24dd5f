from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "vanguard.assessment"
    label = "assessment"
    verbose_name = "考核评价"
