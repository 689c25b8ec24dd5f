from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("vanguard.ui.urls")),
    path("accounts/", include("vanguard.accounts.urls")),
    path("orgs/", include("vanguard.organizations.urls")),
    path("people/", include("vanguard.people.urls")),
    path("imports/", include("vanguard.imports.urls")),
    path("admission/", include("vanguard.admission.urls")),
    path("assessment/", include("vanguard.assessment.urls")),
    path("appraisal/", include("vanguard.appraisal.urls")),
    path("api/", api.urls),
]
