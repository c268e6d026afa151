"""/api/v1/documents/ and /api/v1/verify/ (included by config/urls.py)."""

from django.urls import path

from reports import api

urlpatterns = [
    path("documents/", api.DocumentListAPI.as_view(), name="api_document_list"),
    path("documents/<uuid:public_id>/", api.DocumentDetailAPI.as_view(),
         name="api_document_detail"),
    path("documents/<uuid:public_id>/download/", api.DocumentDownloadAPI.as_view(),
         name="api_document_download"),
    path("documents/<uuid:public_id>/revoke/", api.DocumentRevokeAPI.as_view(),
         name="api_document_revoke"),
    path("verify/<str:code>/", api.VerifyAPI.as_view(), name="api_verify"),
]
