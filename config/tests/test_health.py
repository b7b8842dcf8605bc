from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import override_settings


@pytest.mark.django_db
def test_health_ok_without_host_header_or_session(client):
    response = client.get("/healthz/", HTTP_HOST="10.0.0.7")  # a load balancer probes by IP
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] in ("ok", "eager")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_health_reports_database_down(client):
    with mock.patch("config.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("could not connect to server")
        response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error: OperationalError"


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
def test_health_reports_broker_down(client):
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error: ")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_health_command(capsys):
    call_command("healthcheck")
    assert '"status": "ok"' in capsys.readouterr().out
    with (
        override_settings(REDIS_URL="redis://127.0.0.1:1/0"),
        pytest.raises(CommandError, match="broker=error"),
    ):
        call_command("healthcheck")


def test_other_paths_are_untouched(client, db):
    assert client.get("/healthz/extra").status_code == 404
