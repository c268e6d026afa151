"""/api/v1/documents/, /api/v1/cdc/, /api/v1/certifications/{id}/renewal/,
/api/v1/verify/ and /api/v1/verify/file/ (included by config/urls.py)."""

from django.urls import path

from reports import api, api_cdc

urlpatterns = [
    path("documents/", api.DocumentListAPI.as_view(), name="api_document_list"),
    path("documents/<uuid:public_id>/", api.DocumentDetailAPI.as_view(),
         name="api_document_detail"),
    path("documents/<uuid:public_id>/download/", api.DocumentDownloadAPI.as_view(),
         name="api_document_download"),
    path("documents/<uuid:public_id>/revoke/", api.DocumentRevokeAPI.as_view(),
         name="api_document_revoke"),
    path("cdc/fluxes/", api_cdc.CdcFluxListAPI.as_view(), name="api_cdc_flux_list"),
    path("cdc/fluxes/<uuid:public_id>/", api_cdc.CdcFluxDetailAPI.as_view(),
         name="api_cdc_flux_detail"),
    path("cdc/fluxes/<uuid:public_id>/download/", api_cdc.CdcFluxDownloadAPI.as_view(),
         name="api_cdc_flux_download"),
    path("cdc/fluxes/<uuid:public_id>/report/", api_cdc.CdcFluxReportAPI.as_view(),
         name="api_cdc_flux_report"),
    path("sessions/<uuid:public_id>/cdc-check/", api_cdc.SessionPrecheckAPI.as_view(),
         name="api_session_cdc_check"),
    path("verify/file/", api.VerifyFileAPI.as_view(), name="api_verify_file"),
    path("certifications/<uuid:public_id>/renewal/", api.RenewalAPI.as_view(),
         name="api_certification_renewal"),
    path("verify/<str:code>/", api.VerifyAPI.as_view(), name="api_verify"),
]
