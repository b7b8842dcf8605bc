"""The audit trail: who viewed or changed which caller records, when, from which page.

One `AuditEntry` per act (opening an intake, a status change, an admin bulk action, a nightly
redaction), one `AuditTarget` per record it touched, so a bulk update over 5,000 intakes is one
entry with 5,000 targets and "everything that happened to intake 42" is one indexed lookup.
Entries hold no caller data (ids, field names and the page path only) and are never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEWED = "viewed", _("viewed")
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who acted when it was not a signed-in person: "system: redact_contacts", "responder link: …".
    actor_label = models.CharField(_("acting as"), max_length=120, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=120)
    subject = models.CharField(_("record type"), max_length=40)  # model label, e.g. "hotline.intake"
    targets_count = models.PositiveIntegerField(_("records"), default=0)
    object_id = models.BigIntegerField(_("record"), null=True, blank=True)  # when exactly one
    fields = models.JSONField(_("fields"), default=list, blank=True)
    path = models.CharField(_("page"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["at"], name="audit_entry_at_idx"),
            models.Index(fields=["actor", "at"], name="audit_entry_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False) | ~models.Q(actor_label=""),
                name="audit_entry_has_actor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.who} {self.action} {self.what}"

    @property
    def who(self) -> str:
        if self.actor_id is None:
            return self.actor_label
        name = self.actor.get_username()
        return f"{name} ({self.actor_label})" if self.actor_label else name


class AuditTarget(models.Model):
    entry = models.ForeignKey(AuditEntry, on_delete=models.CASCADE, related_name="targets")
    subject = models.CharField(_("record type"), max_length=40)
    object_id = models.BigIntegerField(_("record"))

    class Meta:
        verbose_name = _("audited record")
        verbose_name_plural = _("audited records")
        indexes = [models.Index(fields=["subject", "object_id"], name="audit_target_object_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "subject", "object_id"], name="audit_target_once_per_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.object_id}"
