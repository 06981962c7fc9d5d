"""The catalogue: measures and technologies against the illicit use of ICTs, by threat and pillar.

Resolution 174 invites the Secretary-General "to collect and disseminate best practices and
technologies in terms of actions taken by Member States to prevent the illicit use of ICTs".
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.models import Shareable
from clearinghouse.core.visibility import Lifecycle, ShareableQuerySet
from clearinghouse.countries.models import NAME_COLUMNS, active_language


class Language(models.TextChoices):
    """The six languages a text may be written or translated in."""

    AR = "ar", "العربية"
    EN = "en", "English"
    ES = "es", "Español"
    FR = "fr", "Français"
    RU = "ru", "Русский"
    ZH = "zh-hans", "中文"


class TranslationQuality(models.TextChoices):
    """Who made a translation and how: its provenance, shown to readers beside it.

    (Until 2026 the marks were machine, checked and authoritative: checked became ``reviewed`` and
    authoritative ``professional``.)"""

    AUTHOR = "author", _("By the author")
    PROFESSIONAL = "professional", _("By a professional translator")
    MACHINE = "machine", _("Machine translation")
    REVIEWED = "reviewed", _("Reviewed by a person")
    #: The demo data's translations, made by the project to show the platform: never professional ones.
    ILLUSTRATIVE = "illustrative", _("Illustrative translation")


def text_digest(text: str) -> str:
    """What a translation remembers of one original text: enough to tell that it changed since."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()[:32]


class NamedInSixLanguages(models.Model):
    """A node of the taxonomy named in the six languages: the names are content, edited by curators.

    ``name_en`` (on the concrete model) is required; a name missing in another language shows the English one,
    and :meth:`name_and_language` says which language the shown name is in, for ``lang`` attributes.
    """

    name_ar = models.CharField(_("name in Arabic"), max_length=200, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_and_language()[0]

    def name_and_language(self, language: str | None = None) -> tuple[str, str]:
        """The name in ``language`` (default: the reader's), or the English one, with the language it is in."""
        language = active_language(language)
        text = getattr(self, "name_" + NAME_COLUMNS[language])
        return (text, language) if text else (self.name_en, "en")  # type: ignore[attr-defined]

    @property
    def names(self) -> list[tuple[str, str]]:
        """``(language code, name)`` in the six languages ("" where the name is missing)."""
        return [(language, getattr(self, "name_" + suffix)) for language, suffix in NAME_COLUMNS.items()]


class Pillar(NamedInSixLanguages):
    """One of the five pillars of ITU's Global Cybersecurity Index."""

    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    name_en = models.CharField(_("name in English"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")


class Threat(NamedInSixLanguages):
    """A node of the threat taxonomy: a family (no parent) or a kind of illicit use within it."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_en = models.CharField(_("name in English"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("family")
    )
    references = models.TextField(
        _("references"), blank=True, help_text=_("Instruments and Recommendations that define this threat.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("threat")
        verbose_name_plural = _("threats")

    def get_absolute_url(self) -> str:
        return reverse("catalog:search") + f"?threat={self.slug}"


class ThreatSynonym(models.Model):
    """Another word for a threat in one language ("SIM box", «boîtier SIM», «сим-бокс»), added by a curator.

    Search uses the names and synonyms of the threats to find records written in another language.
    """

    threat = models.ForeignKey(Threat, on_delete=models.CASCADE, related_name="synonyms", verbose_name=_("threat"))
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    text = models.CharField(_("synonym"), max_length=100)
    #: ``text`` case-folded with its spaces collapsed: one synonym is not added twice in two spellings.
    folded = models.CharField(max_length=100, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language", "folded"]
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [
            models.UniqueConstraint(
                fields=["threat", "language", "folded"],
                name="one_synonym_per_threat_and_language",
                violation_error_message=_("This threat already has this synonym in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.text} [{self.language}]"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.folded = self.fold(self.text)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.text = " ".join(self.text.split())
        self.folded = self.fold(self.text)

    @staticmethod
    def fold(text: str) -> str:
        return " ".join(text.split()).casefold()


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    OPERATIONAL = "operational", _("Operational")
    EVALUATED = "evaluated", _("Evaluated")


class CostRange(models.TextChoices):
    UNDER_100K = "under-100k", _("Under USD 100,000")
    UP_TO_1M = "100k-1m", _("USD 100,000 to 1 million")
    UP_TO_10M = "1m-10m", _("USD 1 to 10 million")
    OVER_10M = "over-10m", _("Over USD 10 million")


class CatalogRecord(Shareable):
    """What measures and technologies share: original language, Markdown text, authorship, versions."""

    language = models.CharField(_("original language"), max_length=10, choices=Language.choices, default=Language.EN)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo data made up to show the platform; never counted in reports."),
    )

    objects = ShareableQuerySet.as_manager()  # type: ignore[misc]

    class Meta(Shareable.Meta):
        abstract = True


class Technology(CatalogRecord):
    """A technology used against illicit use of ICTs (e.g. STIR/SHAKEN, an equipment identity register)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    threats = models.ManyToManyField(
        Threat, blank=True, related_name="technologies", verbose_name=_("threats countered")
    )
    references = models.TextField(
        _("references"), blank=True, help_text=_("One per line: a Recommendation, a standard or an address.")
    )

    class Meta(CatalogRecord.Meta):
        ordering = ["name"]
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:technology_detail", args=[self.slug])


class Measure(CatalogRecord):
    """A measure a Member State or an organization has taken, or plans, against illicit use of ICTs."""

    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=1000, help_text=_("One or two sentences."))
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="measures", verbose_name=_("pillar"))
    threats = models.ManyToManyField(Threat, blank=True, related_name="measures", verbose_name=_("threats countered"))
    technologies = models.ManyToManyField(
        Technology, blank=True, related_name="measures", verbose_name=_("technologies used")
    )
    status = models.CharField(_("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    since_year = models.PositiveSmallIntegerField(
        _("since (year)"), null=True, blank=True, validators=[MinValueValidator(1980), MaxValueValidator(2100)]
    )
    evidence = models.TextField(
        _("evidence of effect"), blank=True, help_text=_("Markdown: figures and what they show.")
    )
    evidence_source = models.CharField(_("source of the evidence"), max_length=300, blank=True)
    cost_range = models.CharField(_("cost"), max_length=20, choices=CostRange.choices, blank=True)
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    # (as inherited, without an index of their own: (lifecycle, tlp) and (published_at, id) below serve them)
    lifecycle = models.CharField(_("state"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta(CatalogRecord.Meta):
        ordering = ["-published_at", "-id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["lifecycle", "tlp"]),
            models.Index(fields=["since_year"]),
            models.Index(fields=["status"]),
            models.Index(fields=["language"]),
            models.Index(fields=["published_at", "id"], name="catalog_measure_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:measure_detail", args=[self.pk])

    @property
    def owner(self):
        return self.owner_state or self.owner_organization


class ReferenceKind(models.TextChoices):
    ITU_T = "itu-t", _("ITU-T Recommendation")
    LAW = "law", _("Law or regulation")
    STRATEGY = "strategy", _("Strategy or policy")
    STANDARD = "standard", _("Standard")
    URL = "url", _("Web page")
    TECHNIQUE = "technique", _("Technique (ATT&CK or STIX attack-pattern)")


class MeasureReference(models.Model):
    """A Recommendation, law, strategy or page a measure rests on."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="references")
    kind = models.CharField(_("kind"), max_length=20, choices=ReferenceKind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")

    def __str__(self) -> str:
        return self.title


class TranslationBase(models.Model):
    """A record's texts in another of the six languages: who made them and how, and from which original.

    ``sources`` keeps, for each field translated, the digest of the original text it was translated from;
    when the original of a translated field changes, the translation is outdated from ``outdated_since``
    until it is translated again or reviewed."""

    #: The fields of the original a translation carries (set by each concrete model).
    TRANSLATED_FIELDS: tuple[str, ...] = ()

    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    quality = models.CharField(_("how it was made"), max_length=20, choices=TranslationQuality.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("made by (account)"),
    )
    translator = models.CharField(
        _("translator"), max_length=200, blank=True, help_text=_("The professional translator's name.")
    )
    sources = models.JSONField(_("original texts translated"), default=dict, blank=True)
    translated_at = models.DateTimeField(_("translated"), default=timezone.now)
    outdated_since = models.DateTimeField(_("outdated since"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.sources and self.pk is None:  # made without saying from what: from the original as it is
            self.stamp_sources()
        super().save(*args, **kwargs)

    @property
    def original(self) -> Any:
        raise NotImplementedError

    @property
    def is_outdated(self) -> bool:
        return self.outdated_since is not None

    def stale_fields(self, original: Any = None) -> list[str]:
        """The fields translated from a text the original no longer has."""
        original = original if original is not None else self.original
        return [
            name
            for name in self.TRANSLATED_FIELDS
            if name in self.sources
            and getattr(original, name)
            and self.sources[name] != text_digest(getattr(original, name))
        ]

    def untranslated_fields(self, original: Any = None) -> list[str]:
        """The fields of the original with a text this translation does not carry, or carries from an older
        version: what a translator is sent."""
        original = original if original is not None else self.original
        return [
            name
            for name in self.TRANSLATED_FIELDS
            if getattr(original, name) and self.sources.get(name) != text_digest(getattr(original, name))
        ]

    def stamp_sources(self, names: Any = None) -> None:
        """Remember the original texts of ``names`` (all fields translated, by default) as translated now."""
        original = self.original
        for name in names if names is not None else self.TRANSLATED_FIELDS:
            if getattr(self, name):
                self.sources[name] = text_digest(getattr(original, name))
            else:
                self.sources.pop(name, None)


class MeasureTranslation(TranslationBase):
    """A measure's texts in another of the six languages, with their provenance."""

    TRANSLATED_FIELDS = ("title", "summary", "description", "evidence", "prerequisites")

    # (no index of its own: the (measure, language) constraint's index serves lookups by measure)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="translations", db_index=False)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=1000)
    description = models.TextField(_("description"), blank=True)
    evidence = models.TextField(_("evidence of effect"), blank=True)
    prerequisites = models.TextField(_("prerequisites"), blank=True)

    class Meta:
        verbose_name = _("measure translation")
        verbose_name_plural = _("measure translations")
        constraints = [models.UniqueConstraint(fields=["measure", "language"], name="one_translation_per_language")]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def original(self) -> Measure:
        return self.measure


class TechnologyTranslation(TranslationBase):
    """A technology's name and description in another of the six languages, with their provenance."""

    TRANSLATED_FIELDS = ("name", "description")

    technology = models.ForeignKey(Technology, on_delete=models.CASCADE, related_name="translations")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("technology translation")
        verbose_name_plural = _("technology translations")
        constraints = [
            models.UniqueConstraint(fields=["technology", "language"], name="one_technology_translation_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"

    @property
    def original(self) -> Technology:
        return self.technology


class MeasureVersion(models.Model):
    """A snapshot of a measure after each change: the history a reader can compare."""

    # (no index of its own: the (measure, number) constraint's index serves lookups by measure)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    action = models.CharField(_("change"), max_length=40)
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("measure version")
        verbose_name_plural = _("measure versions")
        constraints = [models.UniqueConstraint(fields=["measure", "number"], name="one_snapshot_per_version")]

    def __str__(self) -> str:
        return f"{self.measure_id} v{self.number}"


class ReviewComment(models.Model):
    """What a curator wrote when sending a measure back, or a note in the review."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="review_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


def attachment_path(instance: MeasureAttachment, filename: str) -> str:
    return f"measures/{instance.measure_id}/{filename}"


class MeasureAttachment(models.Model):
    """A document or image attached to a measure (PDF, DOCX, PNG, JPEG), seen by who sees the measure."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class MeasureSearchDocument(models.Model):
    """The normalized text of a measure and all its translations, and its facet terms, as the search index
    (Tantivy, ``catalog.search.engine``) is built from them.

    Written in the same transaction as the measure (see ``catalog.search.indexing``).
    """

    measure = models.OneToOneField(Measure, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    text = models.TextField()
    #: The facet terms the measure is filed under in ``SearchPosting`` (space-separated), so that a
    #: change can take the measure out of the sets it left.
    facets = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("search document")

    def __str__(self) -> str:
        return f"search document of measure {self.measure_id}"


class SearchState(models.Model):
    """One row: the catalogue's search generation and its change counter.

    The search index (``catalog.search.engine``) and the cached visibility and facet sets
    (``catalog.search.sets``) are kept per ``token``; a new token (a bulk load, new reference data) makes
    every process rebuild them. Each change to one measure instead raises ``seq`` by one and logs the
    measure in ``SearchChange``, so a process brings its index and caches up to date by re-reading only the
    measures changed since. Writers update this row first, so on PostgreSQL its row lock orders them and
    ``seq`` is committed in order.

    The row also holds the versions of the reference records measures are grouped and named by (Member
    States, development groups, threats, pillars): the id of the latest audit event of each, written with
    the event (``search.indexing.reference_changed``), so that a search reads the whole state in one row.
    """

    token = models.CharField(max_length=32)
    seq = models.BigIntegerField(default=0)
    #: Random, new with every change: a state seen inside a transaction that was rolled back is never
    #: taken for the committed state that later reuses its ``seq``.
    stamp = models.CharField(max_length=32, default="")
    #: The latest audited change to each kind of reference record that may regroup measures (a state's
    #: region, a group's members, a threat's family, a pillar's slug): renames and synonyms leave them.
    member_states_version = models.BigIntegerField(default=0)
    development_groups_version = models.BigIntegerField(default=0)
    threats_version = models.BigIntegerField(default=0)
    pillars_version = models.BigIntegerField(default=0)
    #: The latest audited change of any kind to those records, renames and synonyms included.
    labels_version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("search state")

    def __str__(self) -> str:
        return f"{self.token} #{self.seq} {self.stamp}"


class SearchChange(models.Model):
    """A measure whose searchable data changed at ``seq`` (kept for the last ``search.CHANGES_KEPT``).

    ``measure_id`` 0 marks a new generation (no measure has it).
    """

    seq = models.BigIntegerField(db_index=True)
    stamp = models.CharField(max_length=32)
    measure_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("search change")

    def __str__(self) -> str:
        return f"measure {self.measure_id} at #{self.seq}"


class SearchPosting(models.Model):
    """The ids of the measures filed under one facet value, for ids sharing their upper bits (``chunk``).

    ``ids`` is a serialized roaring bitmap. A term is a facet value as UTF-8 bytes, ``#name=value``
    (``#pillar=3``), compared byte by byte on both databases, so every facet term is one range. Keeping a
    term in chunks of 65,536 ids bounds what a change to one measure rewrites to a few kilobytes a term.
    The reports' and country statistics' counts read them (``catalog.search.sets``).
    """

    term = models.BinaryField(max_length=200)
    chunk = models.IntegerField()
    ids = models.BinaryField()

    class Meta:
        verbose_name = _("search posting")
        constraints = [models.UniqueConstraint(fields=["term", "chunk"], name="catalog_posting_term_chunk")]

    def __str__(self) -> str:
        return f"{bytes(self.term).decode(errors='replace')} [{self.chunk}]"
