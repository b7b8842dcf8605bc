"""The community agreements: publishing a new version and a volunteer accepting the current one."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from volunteers.models import CommunityAgreementAcceptance, CommunityAgreementVersion, Volunteer
from volunteers.selectors import current_agreements

from ._common import VolunteerError


def community_agreements_publish(
    *, text_en: str, text_ko: str = "", text_es: str = "", by
) -> CommunityAgreementVersion:
    """Publish a new version: everyone is asked to accept it again."""
    if not text_en.strip():
        raise VolunteerError(_("Write the agreements in English at least."))
    with transaction.atomic():
        # Serialise publishers so two at once cannot take the same number.
        CommunityAgreementVersion.objects.select_for_update().order_by("-version").first()
        latest = CommunityAgreementVersion.objects.order_by("-version").first()
        return CommunityAgreementVersion.objects.create(
            version=(latest.version + 1) if latest else 1,
            text_en=text_en.strip(),
            text_ko=text_ko.strip(),
            text_es=text_es.strip(),
            published_by=by,
        )


def community_agreements_accept(*, volunteer: Volunteer) -> CommunityAgreementAcceptance | None:
    """The volunteer accepts the current version (idempotent); None when none is published."""
    current = current_agreements()
    if current is None:
        return None
    with transaction.atomic():
        acceptance, _created = CommunityAgreementAcceptance.objects.get_or_create(
            volunteer=volunteer, version=current
        )
    return acceptance
