"""URLs of the before/after comparison, included in assessment/urls.py."""

from django.urls import path

from assessment.compare import views

urlpatterns = [
    path("calls/compare/", views.cfs_compare, name="cfs_compare"),
    path("calls/compare/export.csv", views.cfs_compare_export, name="cfs_compare_export"),
]
