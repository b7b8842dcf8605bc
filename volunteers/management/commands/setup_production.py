"""First run of a real deployment: role groups, the first superuser and the first coordinator.

`seed_demo` is refused with DEBUG off (demo logins must never reach production); this is what an
operator runs instead, once, after `migrate`:

    SETUP_ADMIN_PASSWORD=... manage.py setup_production --no-input \\
        --admin-username ops --admin-email ops@example.org \\
        --coordinator-username dana --coordinator-email dana@example.org

The superuser's password comes from SETUP_ADMIN_PASSWORD or is asked for (twice) and must pass
the password validators. The coordinator gets no password: a one-time set-password link is
printed to hand over. Both enrol an authenticator app at their first sign-in. It also puts the
training gate in place: the default onboarding checklists of dispatchers and responders and the
curriculum modules each role requires (only for roles with none yet), so an approved dispatcher
reaches the live console only once trained. Running it again changes nothing that exists.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from volunteers.services import (
    onboarding_steps_seed,
    set_password_link,
    staff_account_ensure,
    training_requirements_seed,
)

PASSWORD_ENV = "SETUP_ADMIN_PASSWORD"  # noqa: S105 - the name of the variable, not a password


class Command(BaseCommand):
    help = "First-run set-up of a production deployment: role groups, a superuser and a coordinator."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--coordinator-username")
        parser.add_argument("--coordinator-email")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Never prompt: the superuser's password comes from {PASSWORD_ENV}.",
        )

    def handle(
        self,
        *args,
        admin_username,
        admin_email,
        coordinator_username,
        coordinator_email,
        interactive,
        **options,
    ):
        if bool(coordinator_username) != bool(coordinator_email):
            raise CommandError("Give both --coordinator-username and --coordinator-email, or neither.")
        password = os.environ.get(PASSWORD_ENV) or None
        if password is None and not get_user_model().objects.filter(username__iexact=admin_username).exists():
            if not interactive:
                raise CommandError(
                    f"Set {PASSWORD_ENV} for the superuser's password (or run without --no-input)."
                )
            password = self._prompt_password(admin_username)
        try:
            admin, created = staff_account_ensure(
                username=admin_username, email=admin_email, superuser=True, password=password
            )
        except ValidationError as exc:
            raise CommandError(f"The superuser's password is refused: {' '.join(exc.messages)}") from exc
        self.stdout.write(
            f"Superuser {admin.get_username()}: " + ("created." if created else "exists, unchanged.")
        )
        if coordinator_username:
            coordinator, created = staff_account_ensure(
                username=coordinator_username, email=coordinator_email, superuser=False, password=None
            )
            if created:
                self.stdout.write(
                    f"Coordinator {coordinator.get_username()}: created. Hand them this one-time link to "
                    f"choose a password:\n  {set_password_link(coordinator)}"
                )
            else:
                self.stdout.write(f"Coordinator {coordinator.get_username()}: exists, unchanged.")
        steps = onboarding_steps_seed()
        requirements = training_requirements_seed()
        self.stdout.write(
            f"Training gate: {steps} onboarding steps and {requirements} required modules added "
            "(dispatchers and responders reach their pages once these are done)."
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Done. Role groups are in place; each of these accounts enrols an authenticator app at "
                "its first sign-in."
            )
        )

    def _prompt_password(self, username: str) -> str:
        while True:
            password = getpass.getpass("Superuser password: ")
            if password != getpass.getpass("Again: "):
                self.stderr.write("The passwords differ; try again.")
                continue
            try:
                validate_password(password, get_user_model()(username=username))
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return password
