import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from volunteers.roles import Role, has_role


@pytest.mark.django_db
def test_role_groups_exist_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    coordinator = Group.objects.get(name=Role.COORDINATOR)
    perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in coordinator.permissions.select_related("content_type")
    }
    assert {"auth.view_user", "auth.change_user"} <= perms
    assert not any(p.startswith(("auth.delete_", "sessions.", "admin.")) for p in perms)
    assert Group.objects.get(name=Role.VOLUNTEER).permissions.count() == 0
    for app_label in ("hotline", "dispatch"):
        dispatcher_perms = Group.objects.get(name=Role.DISPATCHER).permissions.filter(
            content_type__app_label=app_label
        )
        assert not dispatcher_perms.filter(codename__startswith="delete_").exists()


@pytest.mark.django_db
def test_has_role(make_user, coordinator):
    dispatcher = make_user(Role.DISPATCHER)
    assert has_role(dispatcher, Role.DISPATCHER)
    assert not has_role(dispatcher, Role.COORDINATOR)
    assert has_role(coordinator, Role.DISPATCHER), "coordinators hold every role"
    dispatcher.is_active = False
    assert not has_role(dispatcher, Role.DISPATCHER)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, "/assessment/"),
        (Role.DISPATCHER, "/dispatch/"),
        (Role.RESPONDER, "/volunteers/me/shifts/"),
        (Role.VOLUNTEER, "/volunteers/me/shifts/"),
    ],
)
def test_home_sends_each_role_to_its_place(client, make_user, role, expected):
    client.force_login(make_user(role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == expected
    assert client.get(expected).status_code == 200


def test_home_is_public_landing_page_for_visitors(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"911" in response.content


@pytest.mark.parametrize("url", ["/dispatch/", "/assessment/", "/volunteers/me/shifts/"])
def test_role_pages_send_visitors_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_volunteer_cannot_open_console_or_dashboard(client, volunteer_user):
    client.force_login(volunteer_user)
    assert client.get("/dispatch/").status_code == 403
    assert client.get("/assessment/").status_code == 403


def test_dispatcher_cannot_open_dashboard(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get("/assessment/").status_code == 403


def test_login_logout_and_password_pages(client, make_user):
    make_user(Role.DISPATCHER, username="dana", password="a-long-passphrase-9")
    response = client.post(reverse("login"), {"username": "dana", "password": "a-long-passphrase-9"})
    assert response.status_code == 302
    assert client.get(reverse("password_change")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("password_reset")).status_code == 200
    bad = client.post(reverse("login"), {"username": "dana", "password": "wrong"})
    assert bad.status_code == 200
    assert "_auth_user_id" not in client.session


def test_page_in_korean(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ko")
    content = response.content.decode()
    assert 'lang="ko"' in content
    assert "지역사회 신속대응 핫라인" in content
    assert "911에 전화하세요" in content


def test_language_switcher_sets_spanish(client, db):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert "Línea de respuesta rápida comunitaria" in client.get("/").content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent(capsys, django_user_model):
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "coordinator" in first and "Demo logins" in first
    counts = (django_user_model.objects.count(), Group.objects.count())
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "already exist" in again
    assert (django_user_model.objects.count(), Group.objects.count()) == counts
    dispatcher = django_user_model.objects.get(username="dispatcher")
    assert has_role(dispatcher, Role.DISPATCHER)
    assert django_user_model.objects.get(username="coordinator").is_staff


@pytest.mark.django_db
@override_settings(DEBUG=True, DEMO_PASSWORD="chosen-demo-pass-1")
def test_seed_demo_uses_demo_password(client):
    call_command("seed_demo")
    assert client.login(username="volunteer", password="chosen-demo-pass-1")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_seed_demo_refused_in_production(django_user_model):
    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("seed_demo")
    assert not django_user_model.objects.filter(username="coordinator").exists()
