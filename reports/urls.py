"""Pages of the reports app: public verification, downloads, a session's documents."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("verify/<str:code>/", views.verify, name="verify"),
    path("documents/<uuid:document_id>/download/", views.download, name="download"),
    path("sessions/<uuid:session_id>/documents/", views.session_documents,
         name="session_documents"),
    path("sessions/<uuid:session_id>/documents/<uuid:document_id>/<str:action>/",
         views.document_action, name="document_action"),
]
