from django.urls import path

from vanguard.admission import views, views_calendar

app_name = "admission"
urlpatterns = [
    path("", views.board, name="board"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/record/<str:kind>/", views.record, name="record"),
    path("open/<int:person_pk>/", views.open_dossier, name="open"),
    path("calendar/", views_calendar.month, name="calendar"),
]
