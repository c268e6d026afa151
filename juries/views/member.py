"""Views: member."""

urlpatterns: list = []
