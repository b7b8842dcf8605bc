from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = _("Data retention")

    def ready(self) -> None:
        from config.health import register_warning
        from retention.health import redaction_warning

        register_warning("retention", redaction_warning)
