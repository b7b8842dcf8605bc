"""Two-factor sign-in (TOTP) for dispatchers and coordinators."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_dispatcher_without_device_is_sent_to_enrol(client, dispatcher):
    sign_in(client, dispatcher)
    response = client.get(reverse("dispatch:console"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:two_factor_setup"))

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=dispatcher, confirmed=False)

    wrong = client.post(reverse("volunteers:two_factor_setup"), {"token": "000000", "next": "/dispatch/"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(reverse("volunteers:two_factor_setup"), {"token": code(device), "next": "/dispatch/"})
    assert done.status_code == 302
    assert done["Location"] == "/dispatch/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("hotline:call_list")).status_code == 200


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_enrolled_coordinator_must_give_a_code_after_the_password(client, coordinator):
    device = enrolled(coordinator)
    sign_in(client, coordinator)
    response = client.get(reverse("volunteers:volunteer_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("volunteers:two_factor_verify"))
    assert client.get("/admin/").status_code == 302

    bad = client.post(reverse("volunteers:two_factor_verify"), {"token": "12345x", "next": "/volunteers/"})
    assert bad.status_code == 400
    assert client.get(reverse("volunteers:volunteer_list")).status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("volunteers:two_factor_verify"), {"token": code(device), "next": "/volunteers/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/volunteers/"
    assert client.get(reverse("volunteers:volunteer_list")).status_code == 200


def test_a_code_cannot_be_replayed(client, coordinator):
    device = enrolled(coordinator)
    token = code(device)
    sign_in(client, coordinator)
    assert client.post(reverse("volunteers:two_factor_verify"), {"token": token}).status_code == 302
    client.logout()
    sign_in(client, coordinator)
    assert client.post(reverse("volunteers:two_factor_verify"), {"token": token}).status_code == 400


def test_offsite_next_is_ignored(client, coordinator):
    device = enrolled(coordinator)
    sign_in(client, coordinator)
    response = client.post(
        reverse("volunteers:two_factor_verify"), {"token": code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_volunteers_and_responders_need_no_second_factor(client, responder):
    sign_in(client, responder)
    assert client.get(reverse("dispatch:my_incidents")).status_code == 200


def test_public_pages_stay_open_for_an_unverified_dispatcher(client, dispatcher):
    sign_in(client, dispatcher)
    assert client.get(reverse("volunteers:signup")).status_code == 200


def test_the_setting_turns_it_off(client, dispatcher, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(dispatcher)
    assert client.get(reverse("hotline:call_list")).status_code == 200


@pytest.mark.django_db
def test_seed_demo_enrols_demo_dispatcher_and_coordinator(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True
    settings.DEMO_PASSWORD = PASSWORD
    out = StringIO()
    call_command("seed_demo", stdout=out)
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(devices.values_list("user__username", flat=True)) == ["coordinator", "dispatcher"]
    assert "otpauth://totp/" in out.getvalue()
