from django.urls import path

from vanguard.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/template/", views.template, name="template"),
    path("<str:kind>/upload/", views.upload, name="upload"),
    path("<str:kind>/confirm/<str:token>/", views.confirm, name="confirm"),
    path("<str:kind>/cancel/<str:token>/", views.cancel, name="cancel"),
]
