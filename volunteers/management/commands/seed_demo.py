"""Load demo data: one user per role, then each app's own demo records.

Each app may provide `<app>/demo.py` with `seed(*, stdout) -> None`; it must be idempotent.
Refused when DEBUG is off, so demo logins never reach a real deployment.
"""

import importlib
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from volunteers.roles import PROJECT_APPS, Role, sync_group_permissions

DEMO_USERS = (
    ("coordinator", Role.COORDINATOR, "Cora", "Kim"),
    ("dispatcher", Role.DISPATCHER, "Dana", "Park"),
    ("responder", Role.RESPONDER, "Rafael", "Lopez"),
    ("volunteer", Role.VOLUNTEER, "Vivian", "Cho"),
)


class Command(BaseCommand):
    help = "Create demo users (one per role) and demo data. Idempotent; refused when DEBUG is off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo users' password again (to DEMO_PASSWORD, or a new generated one).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo is refused when DEBUG is off: demo logins must never reach production."
            )
        password = settings.DEMO_PASSWORD
        generated = False
        if not password:
            password = "hotline-demo-" + secrets.token_hex(3)
            generated = True
        with transaction.atomic():
            sync_group_permissions()
            created_any = self._seed_users(password, reset=options["reset_passwords"])
            for label in PROJECT_APPS:
                app_config = apps.get_app_config(label)
                try:
                    module = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                module.seed(stdout=self.stdout)
        if created_any:
            self.stdout.write(self.style.SUCCESS("Demo logins (shown once; set DEMO_PASSWORD to choose it):"))
            for username, role, *_names in DEMO_USERS:
                self.stdout.write(f"  {username:<12} {password}   ({role})")
            if generated:
                self.stdout.write("The password was generated for this run.")
            self._print_two_factor_keys()
        else:
            usernames = ", ".join(username for username, *_ in DEMO_USERS)
            self.stdout.write(
                f"Demo users already exist ({usernames}); passwords unchanged. "
                "Run `manage.py seed_demo --reset-passwords` to set them again."
            )

    def _print_two_factor_keys(self) -> None:
        """Dispatchers and coordinators sign in with a TOTP code: give the demo ones a key."""
        import base64

        from django_otp.plugins.otp_totp.models import TOTPDevice

        User = get_user_model()
        self.stdout.write(
            "Two-factor keys of the demo dispatcher and coordinator (add one to an authenticator "
            "app, or run with TWO_FACTOR_REQUIRED=0):"
        )
        for username, role, *_names in DEMO_USERS:
            if role not in (Role.DISPATCHER, Role.COORDINATOR):
                continue
            user = User.objects.get(username=username)
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
            self.stdout.write(
                f"  {username:<12} {base64.b32encode(device.bin_key).decode()}   {device.config_url}"
            )

    def _seed_users(self, password: str, *, reset: bool) -> bool:
        User = get_user_model()
        created_any = False
        for username, role, first, last in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
            )
            if created or reset:
                user.set_password(password)
                user.is_staff = role == Role.COORDINATOR
                user.save(update_fields=["password", "is_staff"])
                created_any = True
            groups = [role]
            if role in (Role.RESPONDER, Role.DISPATCHER):
                groups.append(Role.VOLUNTEER)
            user.groups.add(*Group.objects.filter(name__in=groups))
        return created_any
