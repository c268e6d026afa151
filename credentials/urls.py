from django.urls import path

from credentials import views

app_name = "credentials"

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("credentials/issuer", views.issuer, name="issuer"),
    path("credentials/keys/<str:kid>.json", views.key, name="key"),
    path("credentials/status/<int:number>", views.status_list, name="status_list"),
    path("verify/credential/", views.verify, name="verify"),
    path("documents/<uuid:document_id>/credential.json", views.download, name="download"),
]
