"""Pages of the juries app, one module of views per feature."""

from juries.views import deliberation, grid, manage, member

app_name = "juries"

urlpatterns = [*member.urlpatterns, *grid.urlpatterns, *manage.urlpatterns,
               *deliberation.urlpatterns]
