"""Pages of the reports app: public verification, downloads, a session's documents."""

from django.urls import path

from reports import views, views_cdc, views_renewal

app_name = "reports"

urlpatterns = [
    path("sessions/<uuid:session_id>/cdc-accrochage.xml", views.cdc_accrochage,
         name="cdc_accrochage"),
    path("sessions/<uuid:session_id>/cdc-check/", views_cdc.cdc_precheck, name="cdc_precheck"),
    path("sessions/<uuid:session_id>/cdc-check/<uuid:enrolment_id>/",
         views_cdc.cdc_holder_complete, name="cdc_holder_complete"),
    path("sessions/<uuid:session_id>/cdc-check.csv", views_cdc.cdc_precheck_download,
         name="cdc_precheck_csv"),
    path("declarations/", views_cdc.cdc_declarations, name="cdc_declarations"),
    path("declarations/fluxes/", views_cdc.cdc_flux_create, name="cdc_flux_create"),
    path("declarations/fluxes/<uuid:flux_id>/", views_cdc.cdc_flux_detail,
         name="cdc_flux_detail"),
    path("declarations/fluxes/<uuid:flux_id>/download/", views_cdc.cdc_flux_download,
         name="cdc_flux_download"),
    path("declarations/fluxes/<uuid:flux_id>/deposited/", views_cdc.cdc_flux_deposited,
         name="cdc_flux_deposited"),
    path("declarations/fluxes/<uuid:flux_id>/report/", views_cdc.cdc_flux_report,
         name="cdc_flux_report"),
    path("declarations/passages/<uuid:passage_id>/rectify/", views_cdc.cdc_passage_rectify,
         name="cdc_passage_rectify"),
    path("certifications/<uuid:public_id>/renewal/", views_renewal.renewal_page,
         name="renewal"),
    path("certifications/<uuid:public_id>/renewal/download.<str:fmt>",
         views_renewal.renewal_download, name="renewal_download"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/file/", views.verify_file, name="verify_file"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("documents/<uuid:document_id>/download/", views.download, name="download"),
    path("sessions/<uuid:session_id>/documents/", views.session_documents,
         name="session_documents"),
    path("sessions/<uuid:session_id>/documents/issue/", views.session_issue,
         name="session_issue"),
    path("sessions/<uuid:session_id>/documents/override/", views.issuing_override,
         name="issuing_override"),
    path("sessions/<uuid:session_id>/documents/export/", views.session_export,
         name="session_export"),
    path("sessions/<uuid:session_id>/documents/export/progress/",
         views.session_export_progress, name="session_export_progress"),
    path("sessions/<uuid:session_id>/documents/export/<uuid:export_id>/download/",
         views.session_export_download, name="session_export_download"),
    path("sessions/<uuid:session_id>/documents/<uuid:document_id>/<str:action>/",
         views.document_action, name="document_action"),
]
