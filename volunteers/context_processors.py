from volunteers.roles import Role, user_roles


def roles(request) -> dict:
    """Expose the user's roles to templates for navigation (never for access decisions)."""
    held = user_roles(getattr(request, "user", None))
    coordinator = Role.COORDINATOR in held
    return {
        "nav_roles": {
            "volunteer": bool(held),
            "responder": coordinator or Role.RESPONDER in held,
            "dispatcher": coordinator or Role.DISPATCHER in held,
            "coordinator": coordinator,
        }
    }
