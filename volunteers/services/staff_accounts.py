"""First run in production: the first staff accounts and their set-password links."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from volunteers.roles import Role


def staff_account_ensure(
    *, username: str, email: str, superuser: bool, password: str | None
) -> tuple[object, bool]:
    """The first accounts of a deployment: a superuser (with `password`) or a coordinator (staff,
    in the Coordinator group, no usable password until they follow their set-password link).

    Idempotent: an existing account of that username is returned unchanged (created=False).
    The role groups and their permissions are made first, and the creation is audited.
    """
    from django.contrib.auth.password_validation import validate_password

    from audit.services import Action, audit_record
    from volunteers.roles import sync_group_permissions

    User = get_user_model()
    with transaction.atomic():
        sync_group_permissions()
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            return existing, False
        user = User(username=username, email=email.strip().lower(), is_staff=True, is_superuser=superuser)
        if superuser:
            validate_password(password or "", user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.COORDINATOR))
        audit_record(
            action=Action.CREATED,
            subject=User,
            ids=[user.pk],
            what="set-up: superuser" if superuser else "set-up: coordinator",
            actor_label="system: setup_production",
            fields=["is_staff", "is_superuser", "groups"],
        )
    return user, True


def set_password_link(user) -> str:
    """An absolute one-time link to choose a password (valid PASSWORD_RESET_TIMEOUT)."""
    return settings.PUBLIC_BASE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
