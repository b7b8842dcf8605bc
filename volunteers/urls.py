from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("me/shifts/", views.my_shifts, name="my_shifts"),
]
