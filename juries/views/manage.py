"""Views: manage."""

urlpatterns: list = []
