"""/api/v1/assessments/, /api/v1/assignments/, /api/v1/scores/ (included by config/urls.py)."""

from django.urls import path

from juries import api

urlpatterns = [
    path("assessments/", api.AssessmentListAPI.as_view(), name="api_assessment_list"),
    path("assessments/<uuid:public_id>/", api.AssessmentDetailAPI.as_view(),
         name="api_assessment_detail"),
    path("assignments/", api.AssignmentListAPI.as_view(), name="api_assignment_list"),
    path("assignments/<uuid:public_id>/", api.AssignmentDetailAPI.as_view(),
         name="api_assignment_detail"),
    path("scores/", api.ScoreListAPI.as_view(), name="api_score_list"),
]
