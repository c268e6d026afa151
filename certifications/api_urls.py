from django.urls import path

from certifications import api

urlpatterns = [
    path("imports/", api.ImportCreateAPI.as_view(), name="api_import_create"),
    path("imports/<uuid:public_id>/", api.ImportDetailAPI.as_view(), name="api_import_detail"),
    path(
        "imports/<uuid:public_id>/confirm/", api.ImportConfirmAPI.as_view(),
        name="api_import_confirm",
    ),
]
