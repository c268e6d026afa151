"""Pages of the candidates app, one module of views per feature."""

from candidates.views import dashboard, enrolment, space

app_name = "candidates"

urlpatterns = [*space.urlpatterns, *dashboard.urlpatterns, *enrolment.urlpatterns]
