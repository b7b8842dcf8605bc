"""The community agreements: the current version and whether a volunteer accepted it."""

from __future__ import annotations

from volunteers.models import CommunityAgreementAcceptance, CommunityAgreementVersion, Volunteer


def current_agreements() -> CommunityAgreementVersion | None:
    return CommunityAgreementVersion.objects.order_by("-version").first()


def agreements_accepted(volunteer: Volunteer, *, current: CommunityAgreementVersion | None = None) -> bool:
    """True when the volunteer accepted the current version (ticking the box at sign-up after it
    was published counts), or when no version is published."""
    current = current if current is not None else current_agreements()
    if current is None:
        return True
    if volunteer.agreements_accepted_at and volunteer.agreements_accepted_at >= current.published_at:
        return True
    return CommunityAgreementAcceptance.objects.filter(volunteer=volunteer, version=current).exists()
