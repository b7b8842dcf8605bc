from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from config.health import register_database_gate, register_warning
        from hotline import checks  # noqa: F401 - registers the system checks
        from hotline.budget import breaker
        from hotline.models import OperatingHours, PartnerLine
        from hotline.selectors import small_table_changed

        # The incoming-call webhook reads these two tables from a per-process cache.
        for model in (OperatingHours, PartnerLine):
            for signal in (post_save, post_delete):
                signal.connect(
                    small_table_changed, sender=model, dispatch_uid=f"hotline-cache-{model.__name__}"
                )

        def database_hung() -> str | None:
            # The webhooks found the database hung a moment ago: /healthz/ says so without a
            # connection attempt that would wait out the timeout again.
            return "error: hung" if breaker.skipping() else None

        register_database_gate("hotline-breaker", database_hung)

        def webhooks_failing() -> str | None:
            # Partners' status webhooks failing in a row: an operator or coordinator should look.
            from hotline.selectors import partner_webhooks_failing

            if breaker.skipping():  # the database is known to be hung: no query to wait on
                return None
            try:
                failing = partner_webhooks_failing()
            except Exception:  # noqa: BLE001 - a down database is reported by its own check
                return None
            if not failing:
                return None
            names = ", ".join(f"{p.name} ({p.webhook_failures} failures)" for p in failing)
            return f"partner status webhooks failing: {names}"

        register_warning("hotline-partner-webhooks", webhooks_failing)
