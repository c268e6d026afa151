"""Pages of the deliberations app, under /jury/ as before the move (config/urls.py)."""

from deliberations.views import deliberation, member

app_name = "deliberations"

urlpatterns = [*member.urlpatterns, *deliberation.urlpatterns]
