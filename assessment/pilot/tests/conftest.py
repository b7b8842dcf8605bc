import pytest


@pytest.fixture(autouse=True)
def _pilot_time_zone(settings):
    """The tests name local times in the pilot's zone; pin it whatever the environment says."""
    settings.TIME_ZONE = "America/Los_Angeles"


@pytest.fixture
def staff_user(make_user):
    """The dispatcher who triages and opens incidents in the constructed data."""
    return make_user("Dispatcher", username="triager")
