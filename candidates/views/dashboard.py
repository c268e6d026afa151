"""Views: dashboard."""

urlpatterns: list = []
