from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from dispatch import signals
        from hotline.signals import sms_received

        sms_received.connect(signals.acknowledgement_received, dispatch_uid="dispatch.acknowledgements")

        from hotline.services import transfer_directory_register

        # Warm transfers may go to the referral partners that have a phone number.
        transfer_directory_register(signals.partner_transfer_targets)
