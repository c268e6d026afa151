"""Views: space."""

urlpatterns: list = []
