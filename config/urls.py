from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import views
from volunteers import views as volunteer_views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Throttled login (volunteers.login_throttle); it shadows contrib.auth's "login" below.
    path("accounts/login/", volunteer_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("volunteers/", include("volunteers.urls")),
    path("hotline/", include("hotline.urls")),
    path("api/v1/", include("hotline.api_urls")),
    path("dispatch/", include("dispatch.urls")),
    path("outreach/", include("outreach.urls")),
    path("assessment/", include("assessment.urls")),
    path("audit/", include("audit.urls")),
]

admin.site.site_header = "Rapid-response hotline"
admin.site.site_title = "Hotline admin"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
