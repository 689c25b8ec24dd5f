from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "vanguard.admission"
    label = "admission"
    verbose_name = "发展党员"
