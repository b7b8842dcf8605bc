import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The users these tests log in need no strong hashing; hashing is most of their setup."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def import_csv(db):
    """Import a file through the service, with defaults suited to small test files."""
    from assessment.services import cfs_dataset_import

    def run(path, **options):
        options.setdefault("dataset_name", "test")
        return cfs_dataset_import(path=path, **options)

    return run
