from django.urls import path

from credentials import api

urlpatterns = [
    path("documents/<uuid:public_id>/credential/", api.DocumentCredentialAPI.as_view(),
         name="api_document_credential"),
    path("verify/credential/", api.CredentialVerifyAPI.as_view(), name="api_verify_credential"),
]
