"""/api/v1/deliberations/ (included by config/urls.py)."""

from django.urls import path

from deliberations import api as api_deliberations

urlpatterns = [
    path("deliberations/", api_deliberations.DeliberationListAPI.as_view(),
         name="api_deliberation_list"),
    path("deliberations/<uuid:public_id>/", api_deliberations.DeliberationDetailAPI.as_view(),
         name="api_deliberation_detail"),
    path("deliberations/<uuid:public_id>/sign/", api_deliberations.DeliberationSignAPI.as_view(),
         name="api_deliberation_sign"),
    path("deliberations/<uuid:public_id>/publish/",
         api_deliberations.DeliberationPublishAPI.as_view(), name="api_deliberation_publish"),
]
