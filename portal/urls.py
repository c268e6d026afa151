"""Pages of the portal, one module of views per page.

``urlpatterns`` (the home page) is mounted at the root without a namespace. The candidate
space, the session page and the session dashboard keep the names they had
(``candidates:space``, ``candidates:space_preview``, ``candidates:session_detail``,
``candidates:session_dashboard``): config/urls.py mounts
``candidates_namespace_urlpatterns`` together with the candidates app's own patterns under
that one namespace, so no link, redirect or test changed and the candidates app imports
nothing of the portal."""

from portal.views import dashboard, home, session, space

urlpatterns = [*home.urlpatterns]

candidates_namespace_urlpatterns = [*space.urlpatterns, *session.urlpatterns,
                                    *dashboard.urlpatterns]
