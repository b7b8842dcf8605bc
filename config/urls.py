from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import views
from volunteers import views as volunteer_views

urlpatterns = [
    path("", views.home, name="home"),
    # Throttled login (volunteers.login_throttle); it shadows contrib.auth's "login" below.
    path("accounts/login/", volunteer_views.LoginView.as_view(), name="login"),
    # Its old-password check is throttled the same way.
    path("accounts/password_change/", volunteer_views.PasswordChangeView.as_view(), name="password_change"),
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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
