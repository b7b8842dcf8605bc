"""Celery tasks of the volunteers app: thin wrappers around services."""

from celery import shared_task


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=30, retry_jitter=True)
def send_invitation(volunteer_id: int) -> None:
    from volunteers.services import volunteer_invitation_send

    volunteer_invitation_send(volunteer_id=volunteer_id)


@shared_task(autoretry_for=(Exception,), max_retries=5, retry_backoff=30, retry_jitter=True)
def send_duplicate_signup_notice(volunteer_id: int) -> None:
    from volunteers.services import volunteer_duplicate_signup_notify

    volunteer_duplicate_signup_notify(volunteer_id=volunteer_id)


@shared_task
def send_shift_reminders() -> int:
    from volunteers.services import shift_reminders_send

    return shift_reminders_send()


@shared_task
def send_training_expiry_reminders() -> int:
    from volunteers.services import training_expiry_reminders_send

    return training_expiry_reminders_send()
