from django.urls import path

from vanguard.ui import views

app_name = "ui"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit"),
]
