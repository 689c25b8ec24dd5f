from django.urls import path

from vanguard.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.create_child, name="create_child"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/dissolve/", views.dissolve, name="dissolve"),
    path("<int:pk>/units/", views.add_unit, name="add_unit"),
]
