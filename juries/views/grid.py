"""Views: grid."""

urlpatterns: list = []
