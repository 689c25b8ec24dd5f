"""Views of the appraisal: cycles."""

urlpatterns: list = []
