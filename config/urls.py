from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from config import views
from dispatch import api as dispatch_api
from volunteers import views as volunteer_views
from volunteers.two_factor import second_factor_required

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Throttled login (volunteers.login_throttle); it shadows contrib.auth's "login" below.
    path("accounts/login/", volunteer_views.LoginView.as_view(), name="login"),
    # Its old-password check is throttled the same way; both pages need the second factor.
    path(
        "accounts/password_change/",
        second_factor_required(volunteer_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        second_factor_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("volunteers/", include("volunteers.urls")),
    path("hotline/", include("hotline.urls")),
    # Referral partners confirm through the API (dispatch owns referrals); before the catch-all.
    re_path(
        r"^api/v1/referrals/(?P<pk>[0-9]{1,18})/status/?$",
        dispatch_api.referral_status,
        name="api_referral_status",
    ),
    path("api/v1/", include("hotline.api_urls")),
    path("dispatch/", include("dispatch.urls")),
    path("outreach/", include("outreach.urls")),
    path("assessment/", include("assessment.urls")),
    path("audit/", include("audit.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
