"""Views of the appraisal: cards."""

urlpatterns: list = []
