"""/api/v1/documents/, /api/v1/verify/ and /api/v1/verify/file/ (included by
config/urls.py)."""

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
    path("verify/file/", api.VerifyFileAPI.as_view(), name="api_verify_file"),
    path("verify/<str:code>/", api.VerifyAPI.as_view(), name="api_verify"),
]
