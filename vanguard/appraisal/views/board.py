"""Views of the appraisal: board."""

urlpatterns: list = []
