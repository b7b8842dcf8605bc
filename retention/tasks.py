from celery import shared_task
from django.conf import settings


@shared_task(name="retention.redact_contacts")
def redact_contacts() -> None:
    """Nightly: apply the retention period (settings.RETENTION_DAYS)."""
    from retention.services import contacts_redact

    contacts_redact(older_than_days=settings.RETENTION_DAYS)
