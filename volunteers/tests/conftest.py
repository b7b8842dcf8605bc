import pytest

SENT: list[dict] = []


def record_sms(*, to: str, body: str, **kwargs) -> None:
    """Stands in for hotline.messaging.send_sms (the SMS boundary) in this app's tests."""
    SENT.append({"to": to, "body": body, **kwargs})


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every volunteer factory makes a user with a password: PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sent_sms(settings):
    """Every text the volunteers app sends, recorded instead of sent."""
    settings.VOLUNTEERS_SMS_SENDER = "volunteers.tests.conftest.record_sms"
    SENT.clear()
    yield SENT
    SENT.clear()
