"""Accounts in the admin: privileges granted by superusers only, every change audited, no TOTP secret shown."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from volunteers.admin import PRIVILEGE_FIELDS
from volunteers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_coordinator():
    return UserFactory(username="coord", roles=("Coordinator",), is_staff=True)


@pytest.fixture
def superuser():
    return UserFactory(username="root", roles=("Coordinator",), is_staff=True, is_superuser=True)


def user_form(user: User, **changes) -> dict:
    """The admin change form of `user`, as posted unchanged, with `changes` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "user_permissions": [str(pk) for pk in user.user_permissions.values_list("pk", flat=True)],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value not in ("", None)}


def privileges(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def escalation(field: str) -> dict:
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)[:5]]
    admin_group = Group.objects.get_or_create(name="Admins")[0]
    return {
        "is_superuser": {"is_superuser": "on"},
        "is_staff": {"is_staff": "on"},
        "groups": {"groups": [str(admin_group.pk)]},
        "user_permissions": {"user_permissions": every_permission},
    }[field]


@pytest.mark.parametrize("field", PRIVILEGE_FIELDS)
@pytest.mark.parametrize("whose", ["own", "another"])
def test_a_coordinator_cannot_grant_a_privilege(client, staff_coordinator, field, whose):
    target = staff_coordinator if whose == "own" else UserFactory(username="vol", roles=("Volunteer",))
    before = privileges(target)
    client.force_login(staff_coordinator)
    url = reverse("admin:auth_user_change", args=[target.pk])
    response = client.post(url, user_form(target, first_name="Renamed", **escalation(field)))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert privileges(target) == before
    target.refresh_from_db()
    assert target.first_name == "Renamed"  # the rest of the form still works


@pytest.mark.parametrize("field", PRIVILEGE_FIELDS)
def test_a_superuser_can_grant_it_and_it_is_audited(client, superuser, field):
    target = UserFactory(username="vol", roles=("Volunteer",))
    before = privileges(target)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_change", args=[target.pk]), user_form(target, **escalation(field))
    )
    assert response.status_code == 302
    assert privileges(target) != before
    entry = AuditEntry.objects.get(subject="auth.user", action="changed", object_id=target.pk)
    assert (entry.actor, field in entry.fields) == (superuser, True)


def test_a_coordinator_cannot_take_over_a_superuser(client, staff_coordinator, superuser):
    client.force_login(staff_coordinator)
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    response = client.post(password, {"password1": "taken-over-123!", "password2": "taken-over-123!"})
    assert response.status_code == 403
    change = client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]), user_form(superuser, is_active="")
    )
    assert change.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active


def test_a_password_set_in_the_admin_is_audited(client, staff_coordinator):
    target = UserFactory(username="vol", roles=("Volunteer",))
    client.force_login(staff_coordinator)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    response = client.post(
        url, {"password1": "a-new-pass-phrase", "password2": "a-new-pass-phrase", "usable_password": "true"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(subject="auth.user", what="admin: password set")
    assert (entry.actor, entry.object_id, entry.fields) == (staff_coordinator, target.pk, ["password"])


def test_role_groups_change_only_by_superusers_and_audited(client, staff_coordinator, superuser):
    group = Group.objects.get(name="Volunteer")
    permission = Permission.objects.get(codename="delete_user")
    url = reverse("admin:auth_group_change", args=[group.pk])
    client.force_login(staff_coordinator)
    client.post(url, {"name": "Volunteer", "permissions": [str(permission.pk)]})
    assert not group.permissions.filter(pk=permission.pk).exists()

    client.force_login(superuser)
    response = client.post(url, {"name": "Volunteer", "permissions": [str(permission.pk)]})
    assert response.status_code == 302
    assert group.permissions.filter(pk=permission.pk).exists()
    entry = AuditEntry.objects.get(subject="auth.group", action="changed", actor=superuser)
    assert (entry.actor, entry.object_id, "permissions" in entry.fields) == (superuser, group.pk, True)


def test_totp_secrets_are_never_shown_and_device_changes_are_audited(client, superuser):
    owner = UserFactory(username="disp", roles=("Dispatcher",))
    device = TOTPDevice.objects.create(user=owner, name="authenticator", confirmed=True)
    secrets = [device.key, base64.b32encode(device.bin_key).decode().rstrip("="), device.config_url]
    client.force_login(superuser)
    pages = [
        client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for secret in secrets:
            assert secret not in html
        assert "qrcode" not in html.casefold()
    for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        response = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{name.rsplit('_', 1)[1]}/")
        assert response.status_code in (302, 404)  # no such page (the admin redirects unknown ids)
        assert device.key not in response.content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403

    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEntry.objects.filter(
        subject="otp_totp.totpdevice", action="deleted", object_id=device.pk
    ).exists()
