from django.contrib.admin.apps import AdminConfig


class HotlineAdminConfig(AdminConfig):
    default_site = "config.admin.HotlineAdminSite"
