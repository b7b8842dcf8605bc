"""Simulate a call to the hotline through the real webhook views, printing the TwiML.

python manage.py simulate_call --from +12025550143 --lang ko            # nobody answers
python manage.py simulate_call --from +12025550143 --lang ko --press 1  # a volunteer takes it
"""

from django.core.management.base import BaseCommand, CommandError

from hotline.models import Call
from hotline.simulator import DIGIT_BY_LANGUAGE, CallScript, CallSimulation, TwilioSimulator

from ._common import hotline_number, phone_argument, printer, require_debug


class Command(BaseCommand):
    help = (
        "Play Twilio's part for one call: signed requests through the real webhook views "
        "(menu, ringing the on-shift dispatchers, screening, voicemail), printing each TwiML answer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="caller", required=True, help="the caller's number, E.164")
        parser.add_argument("--to", dest="hotline", help="the hotline number (default HOTLINE_NUMBER)")
        parser.add_argument(
            "--lang",
            default="en",
            help="the caller's menu choice: en, ko, es, or none (presses nothing; English after two tries)",
        )
        parser.add_argument(
            "--press",
            help="the key the first answering volunteer presses at the screening prompt (1 accepts); "
            "without it nobody answers and the caller reaches the fallback number or voicemail",
        )
        parser.add_argument(
            "--fallback-answers", action="store_true", help="the FALLBACK_NUMBER answers when it is dialled"
        )

    def handle(self, *args, **options):
        require_debug()
        language = options["lang"].lower()
        if language not in (*DIGIT_BY_LANGUAGE, "none"):
            raise CommandError(f"--lang must be one of en, ko, es, none; got {options['lang']!r}")
        press = options["press"]
        if press is not None and (len(press) != 1 or press not in "0123456789*#"):
            raise CommandError(f"--press must be one key (0-9, * or #); got {press!r}")
        script = CallScript(
            caller=phone_argument(options["caller"], option="--from"),
            hotline=hotline_number(options["hotline"]),
            language=None if language == "none" else language,
            press=press,
            fallback_answers=options["fallback_answers"],
        )
        simulator = TwilioSimulator(on_exchange=printer(self.stdout, self.style))
        CallSimulation(script, simulator).run()
        call = Call.objects.select_related("intake").get(call_sid=script.call_sid)
        intake = getattr(call, "intake", None)
        summary = f"Call {call.call_sid}: {call.get_outcome_display()}"
        if intake is not None:
            summary += f"; intake #{intake.pk} ({intake.get_status_display()}) at {intake.get_absolute_url()}"
        self.stdout.write(self.style.SUCCESS(summary))
