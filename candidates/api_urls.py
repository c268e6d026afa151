"""/api/v1/candidates/, /api/v1/sessions/, /api/v1/enrolments/ (included by config/urls.py)."""

from django.urls import path

from candidates import api

urlpatterns = [
    path("candidates/", api.CandidateListAPI.as_view(), name="api_candidate_list"),
    path("candidates/<uuid:public_id>/", api.CandidateDetailAPI.as_view(),
         name="api_candidate_detail"),
    path("candidates/<uuid:public_id>/export/", api.CandidateExportAPI.as_view(),
         name="api_candidate_export"),
    path("candidates/<uuid:public_id>/erase/", api.CandidateEraseAPI.as_view(),
         name="api_candidate_erase"),
    path("sessions/", api.SessionListAPI.as_view(), name="api_session_list"),
    path("sessions/<uuid:public_id>/", api.SessionDetailAPI.as_view(),
         name="api_session_detail"),
    path("enrolments/", api.EnrolmentListAPI.as_view(), name="api_enrolment_list"),
    path("enrolments/<uuid:public_id>/", api.EnrolmentDetailAPI.as_view(),
         name="api_enrolment_detail"),
    path("enrolments/<uuid:public_id>/withdraw/", api.EnrolmentWithdrawAPI.as_view(),
         name="api_enrolment_withdraw"),
]
