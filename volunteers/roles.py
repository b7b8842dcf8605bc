"""The four roles of the platform, as Django groups, and the checks views use.

Coordinators may do everything; superusers count as coordinators. Model permissions are
granted per app and action so that a new model gets the right permissions without edits here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VOLUNTEER = "Volunteer", _("Volunteer")
    RESPONDER = "Responder", _("Responder")
    DISPATCHER = "Dispatcher", _("Dispatcher")
    COORDINATOR = "Coordinator", _("Coordinator")


PROJECT_APPS = ("volunteers", "hotline", "outreach", "dispatch", "assessment")

# role -> {app_label: actions}; actions are Django's default permission prefixes.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.VOLUNTEER: {},
    Role.RESPONDER: {"dispatch": ("view",)},
    Role.DISPATCHER: {
        "hotline": ("view", "add", "change"),
        "dispatch": ("view", "add", "change"),
        "outreach": ("view",),
        "volunteers": ("view",),
    },
    Role.COORDINATOR: {
        **{app: ("view", "add", "change", "delete") for app in PROJECT_APPS},
        "auth": ("view", "change"),
        "audit": ("view",),  # the trail is written by the system only, never edited
    },
}


def sync_group_permissions() -> None:
    """Create the role groups and give each exactly its permissions. Idempotent."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        condition = Q(pk__in=[])
        for app_label, actions in grants.items():
            for action in actions:
                condition |= Q(content_type__app_label=app_label, codename__startswith=f"{action}_")
        group.permissions.set(Permission.objects.filter(condition))


def user_roles(user) -> frozenset[str]:
    """The roles of a user, cached on the user object for the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_hotline_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role.values)
        else:
            cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role.values)
        user._hotline_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user is active and holds one of the roles; coordinators hold all."""
    if not getattr(user, "is_active", False):
        return False
    held = user_roles(user)
    return Role.COORDINATOR in held or bool(held.intersection(roles))


def _onboarding_blocks(user, roles) -> bool:
    from volunteers.selectors import onboarding_blocks

    return onboarding_blocks(user, roles)


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page, others without a role get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            if _onboarding_blocks(request.user, roles):
                # A role is granted when its onboarding steps are done: until then the volunteer
                # sees what to complete, not the role's pages (the console, callers' numbers).
                from django.shortcuts import redirect

                return redirect("volunteers:my_onboarding")
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def home_url_name(user) -> str:
    """Where the home page sends a signed-in user, by their highest role."""
    held = user_roles(user)
    if Role.COORDINATOR in held:
        return "assessment:dashboard"
    if Role.DISPATCHER in held:
        return "dispatch:console"
    return "volunteers:my_shifts"
