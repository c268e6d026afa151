"""Pages of the candidates app, one module of views per feature."""

from candidates.views import dashboard, enrolment, rgpd, space

app_name = "candidates"

urlpatterns = [
    *space.urlpatterns,
    *dashboard.urlpatterns,
    *enrolment.urlpatterns,
    *rgpd.urlpatterns,
]
