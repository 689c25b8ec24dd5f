from django.urls import path

import vanguard.admission.views_audit as views_audit
import vanguard.admission.views_plans as views_plans
from vanguard.admission import views, views_calendar

app_name = "admission"
urlpatterns = [
    path("", views.board, name="board"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/record/<str:kind>/", views.record, name="record"),
    path("open/<int:person_pk>/", views.open_dossier, name="open"),
    # 四步 (seed 001) and 双培 (seed 003)
    path("plans/", views_plans.plans_home, name="plans_home"),
    path("plans/<int:org_id>/", views_plans.plans_page, name="plans"),
    path("plans/<int:org_id>/dual/", views_plans.plans_dual, name="plans_dual"),
    path("plans/<int:org_id>/export/", views_plans.plans_export, name="plans_export"),
    path("plans/<int:org_id>/set/", views_plans.plan_set, name="plan_set"),
    path("training/", views_plans.classes, name="training_classes"),
    path("training/new/", views_plans.class_new, name="training_new"),
    path("training/<int:class_id>/", views_plans.training_class, name="training_class"),
    path("training/<int:class_id>/enrol/", views_plans.training_enrol, name="training_enrol"),
    path("training/<int:class_id>/attendance/", views_plans.training_attendance, name="training_attendance"),
    path("training/<int:class_id>/complete/", views_plans.training_complete, name="training_complete"),
    path("calendar/", views_calendar.month, name="calendar"),
    path("audit/", views_audit.audit_page, name="audit"),
    path("audit/start/", views_audit.audit_start, name="audit_start"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
]
