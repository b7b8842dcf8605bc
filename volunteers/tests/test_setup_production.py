"""First run in production: `manage.py setup_production` (seed_demo is refused with DEBUG off)."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditEntry
from volunteers.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-good-passphrase-42"
ARGS = [
    "--admin-username", "ops", "--admin-email", "Ops@Example.org",
    "--coordinator-username", "dana", "--coordinator-email", "dana@example.org",
]  # fmt: skip


def run(*args, env_password=PASSWORD) -> str:
    out = StringIO()
    env = {"SETUP_ADMIN_PASSWORD": env_password} if env_password else {}
    with mock.patch.dict("os.environ", env):
        call_command("setup_production", *args, stdout=out)
    return out.getvalue()


def test_with_debug_off_it_makes_groups_a_superuser_and_a_coordinator_who_can_sign_in(settings, client):
    settings.DEBUG = False
    settings.PUBLIC_BASE_URL = "https://hotline.example.org"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    Group.objects.all().delete()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")

    output = run(*ARGS)

    assert {group.name for group in Group.objects.all()} >= set(ROLE_PERMISSIONS)
    admin = User.objects.get(username="ops")
    assert (admin.is_superuser, admin.is_staff, admin.email) == (True, True, "ops@example.org")
    assert admin.check_password(PASSWORD)
    coordinator = User.objects.get(username="dana")
    assert (coordinator.is_superuser, coordinator.is_staff, coordinator.has_usable_password()) == (
        False,
        True,
        False,
    )
    assert list(coordinator.groups.values_list("name", flat=True)) == [Role.COORDINATOR]
    assert set(AuditEntry.objects.filter(subject="auth.user").values_list("object_id", flat=True)) == {
        admin.pk,
        coordinator.pk,
    }
    # The coordinator chooses a password through the printed link, then signs in.
    link = next(line.strip() for line in output.splitlines() if line.strip().startswith("https://"))
    path = link.removeprefix("https://hotline.example.org")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    assert Client().login(username="dana", password=PASSWORD)
    assert Client().login(username="ops", password=PASSWORD)


def test_running_again_changes_nothing():
    run(*ARGS)
    admin = User.objects.get(username="ops")
    output = run(*ARGS, env_password="another-different-passphrase-7")
    assert "exists, unchanged" in output
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert User.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "env_password", "message"),
    [
        (
            ["--admin-username", "ops", "--admin-email", "o@example.org", "--no-input"],
            None,
            "SETUP_ADMIN_PASSWORD",
        ),
        (["--admin-username", "ops", "--admin-email", "o@example.org"], "short", "refused"),
        (
            ["--admin-username", "ops", "--admin-email", "o@example.org", "--coordinator-username", "x"],
            PASSWORD,
            "both",
        ),
    ],
)
def test_bad_input_is_refused_and_makes_nothing(args, env_password, message):
    with pytest.raises(CommandError, match=message):
        run(*args, env_password=env_password)
    assert not User.objects.exists()


def test_the_password_may_be_typed(monkeypatch):
    answers = iter(["a", "b", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    run("--admin-username", "ops", "--admin-email", "o@example.org", env_password=None)
    assert User.objects.get(username="ops").check_password(PASSWORD)
