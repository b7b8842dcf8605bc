"""Signals other apps connect to.

`sms_received` is sent (after the inbound text is committed) when a known volunteer texts the
hotline number, with keyword arguments:

- `message`: the stored inbound `hotline.models.Message` (no intake: a volunteer's text is
  not a crisis contact),
- `volunteer`: the `volunteers.models.Volunteer` who sent it.

`sender` is `hotline.models.Message`. Receivers run in the webhook request: keep them quick
and enqueue anything slow (texting back goes through a Celery task). A receiver that raises is
logged and does not stop the others or the webhook's answer.

    from django.dispatch import receiver
    from hotline.signals import sms_received

    @receiver(sms_received)
    def handle_ack(sender, *, message, volunteer, **kwargs): ...
"""

from django.dispatch import Signal

sms_received = Signal()
