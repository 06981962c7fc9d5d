"""The audit log, and the abstract base every shareable record builds on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.visibility import TLP, Lifecycle, ShareableQuerySet


class AuditEvent(models.Model):
    """One change made through a service: who did what to which record, when, and what changed.

    The Secretariat's account of the platform's own conduct, and the trail behind every figure
    the implementation report gives to the Council.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for changes made by the system, such as loading reference data."),
    )
    actor_repr = models.CharField(_("who (as recorded)"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=100, db_index=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    changes = models.JSONField(_("the change"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        # "the latest change to records of this type" (the catalogue's search state was filled from it once)
        indexes = [models.Index(fields=["object_type", "id"], name="core_audit_type_latest")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr or 'system'} {self.action} {self.object_repr}"


class Shareable(models.Model):
    """Abstract base of every record that carries a TLP 2.0 marking and an owner.

    The owner is one Member State or one organization; the people named for TLP:AMBER and
    TLP:RED are kept beside it. Which user sees which record is decided only by
    :meth:`ShareableQuerySet.visible_to` and :meth:`is_visible_to`.
    """

    tlp = models.CharField(_("TLP marking"), max_length=20, choices=TLP.choices, default=TLP.CLEAR)
    lifecycle = models.CharField(
        _("state"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.DRAFT, db_index=True
    )
    owner_state = models.ForeignKey(
        "countries.MemberState",
        verbose_name=_("owning Member State"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_organization = models.ForeignKey(
        "countries.Organization",
        verbose_name=_("owning organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_with_states = models.ManyToManyField(
        "countries.MemberState",
        verbose_name=_("also shared with Member States (TLP:AMBER)"),
        blank=True,
        related_name="+",
    )
    shared_with_organizations = models.ManyToManyField(
        "countries.Organization",
        verbose_name=_("also shared with organizations (TLP:AMBER)"),
        blank=True,
        related_name="+",
    )
    shared_with_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named recipients (TLP:RED)"),
        blank=True,
        related_name="+",
    )

    objects = ShareableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(owner_state__isnull=False, owner_organization__isnull=True)
                    | models.Q(owner_state__isnull=True, owner_organization__isnull=False)
                ),
                name="%(app_label)s_%(class)s_one_owner",
                violation_error_message=_("A record is owned by one Member State or one organization."),
            )
        ]

    def is_visible_to(self, user) -> bool:
        return type(self)._default_manager.filter(pk=self.pk).visible_to(user).exists()


class ContentVersion(models.Model):
    """One row whose stamp changes, in the same transaction, whenever any record a page may show changes.

    Database triggers write it (``pagecache.install_triggers``), so every write counts, whichever code or
    tool makes it; the public page cache keys what it keeps by the stamp it read before rendering.
    """

    stamp = models.CharField(max_length=36)
    changes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("content version")

    def __str__(self) -> str:
        return f"{self.changes} ({self.stamp})"
