from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "vanguard.appraisal"
    verbose_name = "党员量化考核（填卡·评分·挂旗）"
