"""Implementation reports: what the ITU did under a resolution in a period, generated from the platform's records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.languages import reader_date
from clearinghouse.core.visibility import TLP


class ReportFormat(models.TextChoices):
    DOCX = "docx", "DOCX (Word)"
    PDF = "pdf", "PDF"
    HTML = "html", "HTML"


class Edition(models.TextChoices):
    """Who receives a report; that decides the TLP markings it may hold (``EDITION_MARKINGS``)."""

    PUBLIC = "public", _("anyone, for the Council: TLP:CLEAR only")
    COMMUNITY = "community", _("the signed-in community: TLP:CLEAR and TLP:GREEN")
    RESTRICTED = "restricted", _("the Secretariat: up to TLP:AMBER+STRICT, never TLP:RED")


#: The markings an edition may hold, from the widest audience to the narrowest; TLP:RED is never reported.
EDITION_MARKINGS: dict[str, tuple[str, ...]] = {
    Edition.PUBLIC: (TLP.CLEAR,),
    Edition.COMMUNITY: (TLP.CLEAR, TLP.GREEN),
    Edition.RESTRICTED: (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT),
}


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class Report(models.Model):
    """One generated implementation report: a resolution, a period, a format and an edition, and its file."""

    resolution = models.ForeignKey("mandates.Resolution", on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=ReportFormat.choices)
    edition = models.CharField(_("who receives it"), max_length=20, choices=Edition.choices, default=Edition.PUBLIC)
    include_illustrative = models.BooleanField(
        _("include illustrative data"),
        default=False,
        help_text=_("Only for demonstrations: the report then says on every page that its data is made up."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="report_period_ends_after_it_starts",
                violation_error_message=_("The period cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"Resolution {self.resolution.number} {self.get_format_display()} ({self.period_label})"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_list") + f"#report-{self.pk}"

    @property
    def period_label(self) -> str:
        """The period as the reader's language writes dates ("1 January 2026 – 30 June 2026")."""
        start = reader_date(self.period_start) if self.period_start else "…"
        end = reader_date(self.period_end) if self.period_end else "…"
        return f"{start} – {end}"

    @property
    def is_restricted(self) -> bool:
        return self.edition == Edition.RESTRICTED

    @property
    def markings(self) -> tuple[str, ...]:
        return EDITION_MARKINGS[self.edition]

    @property
    def markings_label(self) -> str:
        """``TLP:CLEAR–TLP:GREEN``: the markings this edition may hold."""
        held = self.markings
        return f"TLP:{held[0].upper()}" if len(held) == 1 else f"TLP:{held[0].upper()}–TLP:{held[-1].upper()}"

    def download_name(self) -> str:
        edition = "" if self.edition == Edition.PUBLIC else f"-{self.edition}"
        return f"resolution-{self.resolution.number}-report-{self.pk}{edition}.{self.format}"
