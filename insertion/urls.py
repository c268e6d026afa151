from django.urls import path

from insertion import views

app_name = "insertion"

urlpatterns = [
    path("insertion/<str:token>/", views.questionnaire, name="questionnaire"),
]
