"""Pages of the candidates app, one module of views per feature. config/urls.py mounts
them with the portal's candidate space and session dashboard under this namespace."""

from candidates.views import candidate, enrolment, rgpd

app_name = "candidates"

urlpatterns = [
    *enrolment.urlpatterns,
    *candidate.urlpatterns,
    *rgpd.urlpatterns,
]
