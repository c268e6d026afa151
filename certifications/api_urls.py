"""/api/v1/certifications/, /api/v1/referentiels/, /api/v1/imports/ (included by
config/urls.py)."""

from django.urls import path

from certifications import api

urlpatterns = [
    path("certifications/", api.CertificationListAPI.as_view(), name="api_certification_list"),
    path("certifications/<uuid:public_id>/", api.CertificationDetailAPI.as_view(),
         name="api_certification_detail"),
    path("referentiels/", api.ReferentielListAPI.as_view(), name="api_referentiel_list"),
    path("referentiels/<uuid:public_id>/", api.ReferentielDetailAPI.as_view(),
         name="api_referentiel_detail"),
    path("imports/", api.ImportListCreateAPI.as_view(), name="api_import_create"),
    path("imports/<uuid:public_id>/", api.ImportDetailAPI.as_view(), name="api_import_detail"),
    path("imports/<uuid:public_id>/drafts/<int:index>/", api.ImportDraftAPI.as_view(),
         name="api_import_draft"),
    path(
        "imports/<uuid:public_id>/confirm/", api.ImportConfirmAPI.as_view(),
        name="api_import_confirm",
    ),
]
