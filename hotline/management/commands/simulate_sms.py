"""Simulate a text to the hotline through the real webhook view, printing the TwiML reply.

python manage.py simulate_sms --from +12025550177 --body "Necesito ayuda"
"""

from django.core.management.base import BaseCommand, CommandError

from hotline.models import Message
from hotline.simulator import TwilioSimulator, simulate_sms

from ._common import hotline_number, phone_argument, printer, require_debug


class Command(BaseCommand):
    help = "Play Twilio's part for one inbound text: a signed request through the real webhook view."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="sender", required=True, help="the sender's number, E.164")
        parser.add_argument("--body", required=True, help="the text")
        parser.add_argument("--to", dest="hotline", help="the hotline number (default HOTLINE_NUMBER)")

    def handle(self, *args, **options):
        require_debug()
        body = options["body"]
        if not body.strip():
            raise CommandError("--body must not be empty")
        if len(body) > 1600:
            raise CommandError("--body is longer than one text message (1600 characters)")
        simulator = TwilioSimulator(on_exchange=printer(self.stdout, self.style))
        exchange = simulate_sms(
            simulator=simulator,
            sender=phone_argument(options["sender"], option="--from"),
            body=body,
            hotline=hotline_number(options["hotline"]),
        )
        if exchange.status != 200:
            raise CommandError(f"the webhook answered {exchange.status}")
        message = Message.objects.select_related("intake").get(message_sid=exchange.params["MessageSid"])
        if message.intake is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Intake #{message.intake.pk} ({message.intake.get_status_display()}) at "
                    f"{message.intake.get_absolute_url()}"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Stored; not an intake (a volunteer's text or a keyword)."))
