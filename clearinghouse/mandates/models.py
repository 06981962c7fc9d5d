"""What the ITU did under a resolution: the activities the implementation report is built from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    DISSEMINATION = "dissemination", _("Measures disseminated")
    MEETING = "meeting", _("Meeting held")
    ASSISTANCE = "assistance", _("Assistance delivered")
    AWARENESS = "awareness", _("Awareness campaign")
    COOPERATION = "cooperation", _("Cooperation with another UN body")
    REPORT = "report", _("Report submitted")


class Activity(models.Model):
    """One thing done to implement a resolution, recorded by the service that did it or by a curator.

    ``source_type``/``source_id`` name the record it came from (a published measure, a meeting…);
    clauses are attached when the resolution is imported as data.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    source_type = models.CharField(_("source record type"), max_length=100, blank=True)
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return self.title
