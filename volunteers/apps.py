from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_permissions(sender, **kwargs) -> None:
    # Permissions exist only after migrate; granting them here keeps groups complete
    # whenever an app adds a model.
    from volunteers.roles import sync_group_permissions

    sync_group_permissions()


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        post_migrate.connect(_sync_role_permissions, dispatch_uid="volunteers.sync_role_permissions")
