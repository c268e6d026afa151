"""/api/v1/assessments/, sittings/, assignments/, scores/, juries/, jury-members/
(included by config/urls.py)."""

from django.urls import path

from juries import api

urlpatterns = [
    path("assessments/", api.AssessmentListAPI.as_view(), name="api_assessment_list"),
    path("assessments/<uuid:public_id>/", api.AssessmentDetailAPI.as_view(),
         name="api_assessment_detail"),
    path("sittings/", api.SittingListAPI.as_view(), name="api_sitting_list"),
    path("assignments/", api.AssignmentListAPI.as_view(), name="api_assignment_list"),
    path("assignments/<uuid:public_id>/", api.AssignmentDetailAPI.as_view(),
         name="api_assignment_detail"),
    path("scores/", api.ScoreListAPI.as_view(), name="api_score_list"),
    path("juries/", api.JuryListAPI.as_view(), name="api_jury_list"),
    path("juries/<uuid:public_id>/", api.JuryDetailAPI.as_view(), name="api_jury_detail"),
    path("jury-members/", api.JuryMemberListAPI.as_view(), name="api_jury_member_list"),
]
