from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from candidates import urls as candidates_urls
from portal import urls as portal_urls

admin.site.site_header = settings.CERTIFIER_NAME
admin.site.site_title = settings.CERTIFIER_NAME

# Media files are never served directly: documents go through views that check who asks.
urlpatterns = [
    path("healthz", account_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(portal_urls.urlpatterns)),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own patterns: its login is the site's (rate limits, lockout).
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("referentiels/", include("certifications.urls")),
    path("api/v1/", include("certifications.api_urls")),
    path("api/v1/", include("candidates.api_urls")),
    path("api/v1/", include("juries.api_urls")),
    path("api/v1/", include("deliberations.api_urls")),
    path("api/v1/", include("credentials.api_urls")),  # before reports' verify/<code>/
    path("api/v1/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("account/tokens/", include("accounts.views_tokens")),
    path("account/users/", include("accounts.views_users")),
    # The portal's candidate space and dashboard keep their names in the candidates namespace.
    path("", include(([*portal_urls.candidates_namespace_urlpatterns,
                       *candidates_urls.urlpatterns], candidates_urls.app_name))),
    path("jury/", include("juries.urls")),
    path("jury/", include("deliberations.urls")),
    path("", include("credentials.urls")),  # before reports' verify/<code>/
    path("", include("reports.urls")),
    path("", include("notifications.urls")),
    path("", include("insertion.urls")),
]
