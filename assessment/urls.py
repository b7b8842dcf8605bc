from django.urls import path

from assessment import map_views, views
from assessment.compare import urls as compare_urls
from assessment.pilot import views as pilot_views
from assessment.programme import urls as programme_urls
from assessment.readiness import urls as readiness_urls

app_name = "assessment"

urlpatterns = [
    path("", pilot_views.dashboard, name="dashboard"),
    path("pilot/settings/", pilot_views.settings_edit, name="pilot_settings"),
    path("pilot/settings/police-time/", pilot_views.police_time_edit, name="pilot_police_time"),
    path("pilot/export/<slug:table>.csv", pilot_views.export_csv, name="pilot_export"),
    path("calls/", views.cfs_index, name="cfs_index"),
    path("calls/upload/", views.cfs_upload, name="cfs_upload"),
    path("calls/imports/<int:pk>/", views.cfs_job, name="cfs_job"),
    path("calls/imports/<int:pk>/progress/", views.cfs_job_progress, name="cfs_job_progress"),
    path("calls/datasets/<int:pk>/", views.cfs_analysis, name="cfs_analysis"),
    path("calls/datasets/<int:pk>/pilot-area/", map_views.cfs_pilot_area, name="cfs_pilot_area"),
    path("calls/datasets/<int:pk>/boundaries/", map_views.cfs_boundary_upload, name="cfs_boundary_upload"),
    path("calls/datasets/<int:pk>/map/count/", map_views.cfs_map_count_retry, name="cfs_map_count_retry"),
    path("calls/boundaries/<int:pk>/count/", map_views.cfs_boundary_count, name="cfs_boundary_count"),
    path(
        "calls/boundaries/<int:pk>/count/retry/",
        map_views.cfs_boundary_count_retry,
        name="cfs_boundary_count_retry",
    ),
    path("calls/datasets/<int:pk>/delete/", views.cfs_dataset_delete, name="cfs_dataset_delete"),
    path("calls/cities/<int:pk>/call-types/", views.cfs_call_types, name="cfs_call_types"),
    path(
        "calls/cities/<int:pk>/call-types/accept/", views.cfs_call_types_accept, name="cfs_call_types_accept"
    ),
    path("calls/cities/<int:pk>/column-mapping/", views.cfs_column_mapping, name="cfs_column_mapping"),
    path("calls/call-types/<int:pk>/", views.cfs_call_type_update, name="cfs_call_type_update"),
    *compare_urls.urlpatterns,
    *readiness_urls.urlpatterns,
    *programme_urls.urlpatterns,
]
