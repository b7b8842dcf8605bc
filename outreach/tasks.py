"""Celery tasks of the outreach app."""

from celery import shared_task


@shared_task
def send_agreement_renewal_reminders() -> int:
    from outreach.services import agreement_renewal_reminders_send

    return agreement_renewal_reminders_send()
