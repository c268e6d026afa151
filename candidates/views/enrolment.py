"""Views: enrolment."""

urlpatterns: list = []
