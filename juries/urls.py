"""Pages of the juries app, one module of views per feature (the member's home and the
deliberation pages are in the deliberations app)."""

from juries.views import grid, manage

app_name = "juries"

urlpatterns = [*grid.urlpatterns, *manage.urlpatterns]
