"""The project's admin site: Django's, with every password check under the login throttle."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse


class HotlineAdminSite(admin.AdminSite):
    site_header = "Rapid-response hotline"
    site_title = "Hotline admin"

    @property
    def login_form(self):
        from volunteers.forms import ThrottledAdminAuthenticationForm

        return ThrottledAdminAuthenticationForm

    def password_change(self, request, extra_context=None):
        """Django's own, with the throttled form (its old-password check counts as a sign-in)."""
        from volunteers.forms import ThrottledAdminPasswordChangeForm
        from volunteers.views import PasswordChangeView

        defaults = {
            "form_class": ThrottledAdminPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)
