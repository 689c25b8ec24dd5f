from django.urls import path

from vanguard.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("entries/add/", views.add_entry, name="add_entry"),
    path("entries/<int:entry_id>/evidence/", views.evidence, name="evidence"),
    path("close/", views.close, name="close"),
    path("close/committee/", views.committee_close, name="committee_close"),
    path("close/jobs/<int:job_id>/", views.batch_job, name="batch_job"),
    path("publish/", views.publish, name="publish"),
    path("archive/", views.archive, name="archive"),
    path("amend/", views.amend, name="amend"),
    path("penalties.xlsx", views.penalties_export, name="penalties_export"),
    path("year/", views.year, name="year"),
    path("year/confirm/", views.year_confirm, name="year_confirm"),
    path("year.xlsx", views.year_export, name="year_export"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rules_new, name="rules_new"),
]
