"""Resolutions as data, and what the ITU did under them: the records the implementation report is built from.

A resolution (Resolution 174 of the Plenipotentiary Conference, say) has revisions, each imported from
its text by ``mandates.parsing``: sections (preamble or operative), each with an action and an
addressee, and the clauses under them. An operative clause is a mandate — something someone was asked
to do — and activities are tied to the clauses they implement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.models import Shareable
from clearinghouse.countries.models import BDTRegion


class Body(models.TextChoices):
    PP = "pp", _("Plenipotentiary Conference")
    WTDC = "wtdc", _("World Telecommunication Development Conference")
    WTSA = "wtsa", _("World Telecommunication Standardization Assembly")
    RA = "ra", _("Radiocommunication Assembly")


class Resolution(models.Model):
    """A resolution whose implementation the platform tracks, identified by its body and number."""

    body = models.CharField(_("adopted by"), max_length=10, choices=Body.choices, default=Body.PP)
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["body", "number"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"],
                name="one_resolution_per_number",
                violation_error_message=_("This body already has a resolution with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"Resolution {self.number} ({self.get_body_display()})"

    def get_absolute_url(self) -> str:
        return reverse("mandates:resolution_detail", args=[self.body, self.number])

    def current_revision(self) -> Revision | None:
        return self.revisions.order_by("-sequence").first()


class RevisionSource(models.TextChoices):
    OFFICIAL = "official", _("official text")
    SUMMARY = "summary", _("summary in the project's own words")


class Revision(models.Model):
    """One text of a resolution as imported (``Rev. Bucharest, 2022``); older revisions are kept."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="revisions")
    sequence = models.PositiveIntegerField(_("import order"))
    label = models.CharField(_("revision"), max_length=120, blank=True, help_text=_("e.g. Rev. Dubai, 2018"))
    title = models.CharField(_("title"), max_length=500)
    enacting = models.TextField(_("enacting line"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=RevisionSource.choices)
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    artefacts = models.JSONField(_("artefacts cleaned"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["resolution", "-sequence"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["resolution", "sequence"], name="one_revision_per_sequence"),
            models.UniqueConstraint(
                fields=["resolution", "source_sha256"],
                name="one_revision_per_text",
                violation_error_message=_("This text has been imported already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resolution} {self.label}".strip()


class SectionKind(models.TextChoices):
    PREAMBLE = "preamble", _("preamble")
    OPERATIVE = "operative", _("operative")


class Section(models.Model):
    """A heading of a revision and the clauses under it ("resolves to instruct the Secretary-General")."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=10, choices=SectionKind.choices)
    heading = models.TextField(_("heading"))
    action = models.CharField(_("action"), max_length=200, blank=True)
    addressee = models.CharField(_("addressee"), max_length=300, blank=True)
    flagged = models.BooleanField(_("flagged for a curator"), default=False)
    note = models.CharField(_("why it is flagged"), max_length=300, blank=True)

    class Meta:
        ordering = ["revision", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [models.UniqueConstraint(fields=["revision", "position"], name="one_section_per_position")]

    def __str__(self) -> str:
        return self.heading


class ClauseRole(models.TextChoices):
    """What a clause asks for, so that the services recording activities find the clause they implement."""

    DISSEMINATION = "dissemination", _("collect and disseminate best practices and technologies")
    MEETINGS = "meetings", _("organize meetings and dialogue")
    ASSISTANCE = "assistance", _("assist Member States")
    AWARENESS = "awareness", _("raise awareness")
    COOPERATION = "cooperation", _("cooperate with other UN bodies")
    REPORTING = "reporting", _("report on progress")


class Clause(models.Model):
    """One item of a section: in an operative section, a mandate whose progress the platform tracks."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="clauses")
    position = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=20, blank=True)
    text = models.TextField(_("text"))
    role = models.CharField(_("role"), max_length=20, choices=ClauseRole.choices, blank=True)

    class Meta:
        ordering = ["section", "position"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [models.UniqueConstraint(fields=["section", "position"], name="one_clause_per_position")]

    def __str__(self) -> str:
        return f"{self.section.heading} {self.label}".strip()

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the clause across revisions: its section's kind, action and addressee, and its label."""
        section = self.section
        return (section.kind, section.action.casefold(), section.addressee.casefold(), self.label)


class RevisionText(models.Model):
    """A revision in another of the six languages: the official text a curator imported
    (``import_resolution --language``) or the project's own summary. Its sections and clauses are those of the
    revision, matched by their numbering (``SectionText``, ``ClauseText``)."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    source = models.CharField(_("source"), max_length=10, choices=RevisionSource.choices)
    title = models.CharField(_("title"), max_length=500)
    enacting = models.TextField(_("enacting line"), blank=True)
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["revision", "language"]
        verbose_name = _("revision in another language")
        verbose_name_plural = _("revisions in other languages")
        constraints = [models.UniqueConstraint(fields=["revision", "language"], name="one_text_per_revision_language")]

    def __str__(self) -> str:
        return f"{self.revision} [{self.language}]"


class SectionText(models.Model):
    """A section's heading (and addressee, where known) in another language."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    heading = models.TextField(_("heading"))
    addressee = models.CharField(_("addressee"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("section in another language")
        verbose_name_plural = _("sections in other languages")
        constraints = [models.UniqueConstraint(fields=["section", "language"], name="one_text_per_section_language")]

    def __str__(self) -> str:
        return self.heading


class ClauseText(models.Model):
    """A clause's text in another language."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("clause in another language")
        verbose_name_plural = _("clauses in other languages")
        constraints = [models.UniqueConstraint(fields=["clause", "language"], name="one_text_per_clause_language")]

    def __str__(self) -> str:
        return self.text[:60]


class ActivityKind(models.TextChoices):
    DISSEMINATION = "dissemination", _("Measures disseminated")
    MEETING = "meeting", _("Meeting held")
    ASSISTANCE = "assistance", _("Assistance delivered")
    AWARENESS = "awareness", _("Awareness campaign")
    COOPERATION = "cooperation", _("Cooperation with another UN body")
    REPORT = "report", _("Report submitted")


#: The clause roles an activity of each kind implements by default, in order of preference: an activity is
#: tied to the clauses of the first role some clause has (Resolution 174 asks for assistance in the same
#: clause as for collecting and disseminating best practices).
ROLE_OF_KIND: dict[str, tuple[str, ...]] = {
    ActivityKind.DISSEMINATION: (ClauseRole.DISSEMINATION,),
    ActivityKind.MEETING: (ClauseRole.MEETINGS,),
    ActivityKind.ASSISTANCE: (ClauseRole.ASSISTANCE, ClauseRole.DISSEMINATION),
    ActivityKind.AWARENESS: (ClauseRole.AWARENESS,),
    ActivityKind.COOPERATION: (ClauseRole.COOPERATION,),
    ActivityKind.REPORT: (ClauseRole.REPORTING,),
}


class ActivityStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("in progress")
    DELIVERED = "delivered", _("delivered")


class Activity(Shareable):
    """One thing done to implement a resolution, recorded by the service that did it or by a curator.

    ``source_type``/``source_id`` name the record it came from (a published measure, a meeting…). An
    activity carries the TLP marking and owner of its source, so that a TLP:AMBER measure's
    dissemination is seen by those who may see the measure, and by no one else.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # the language its title, description and outputs are written in (a measure's, for its dissemination)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.DELIVERED
    )
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    clauses = models.ManyToManyField(Clause, blank=True, related_name="activities", verbose_name=_("clauses"))
    region = models.CharField(_("BDT region"), max_length=20, choices=BDTRegion.choices, blank=True)
    states = models.ManyToManyField(
        "countries.MemberState", blank=True, related_name="activities", verbose_name=_("participating states")
    )
    organizations = models.ManyToManyField(
        "countries.Organization",
        blank=True,
        related_name="activities",
        verbose_name=_("participating organizations"),
    )
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    outputs = models.TextField(_("outputs"), blank=True, help_text=_("What it produced, one per line."))
    indicators = models.JSONField(
        _("indicators"), default=list, blank=True, help_text=_('A list of {"name": …, "value": …, "unit": …}.')
    )
    source_type = models.CharField(_("source record type"), max_length=100, blank=True)
    source_id = models.CharField(_("source record id"), max_length=64, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Made up to demonstrate the platform; never in a real report.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Shareable.Meta):
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["source_type", "source_id"])]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="activity_ends_after_it_starts",
                violation_error_message=_("An activity cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
