"""What the exchange keeps: the STIX objects it serves over TAXII, what it imported, and where it syncs from."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectionState(models.Model):
    """One row. Writers of :class:`StixObject` lock it first, so they take turns and ``date_added`` only
    grows with the row id: a TAXII client that resumes from the last ``date_added`` it saw misses nothing."""

    last_added = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("STIX projection state")

    def __str__(self) -> str:
        return f"last added {self.last_added}"


class PendingProjection(models.Model):
    """A catalogue record changed since the TAXII objects were last brought up to date.

    Written in the same transaction as the change (``exchange.signals``), read and emptied by
    :func:`clearinghouse.exchange.projection.refresh`.
    """

    class Kind(models.TextChoices):
        MEASURE = "measure", _("measure")
        TECHNOLOGY = "technology", _("technology")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.BigIntegerField()

    class Meta:
        # no uniqueness: a change made while a refresh holds an earlier row for the same record must leave
        # a row of its own, or the refresh would delete the only trace of it
        verbose_name = _("pending STIX projection")

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


class StixObject(models.Model):
    """One version of one STIX object as TAXII serves it: its JSON exactly as sent.

    Objects of a measure or a technology are served to an audience only while that record is visible
    to it (``exchange.selectors``); objects of neither (the platform's identity, the TLP markings, the
    threat taxonomy, Member States and organizations) are public reference data, in every collection.
    """

    stix_id = models.CharField(max_length=120)
    type = models.CharField(max_length=60)
    spec_version = models.CharField(max_length=8, default="2.1")
    #: The STIX ``modified`` timestamp as written (``YYYY-MM-DDTHH:MM:SS.mmmZ``, so it sorts as time).
    modified = models.CharField(max_length=32)
    date_added = models.DateTimeField(db_index=True)
    is_latest = models.BooleanField(default=True)
    is_first = models.BooleanField(default=True)
    measure = models.ForeignKey(
        "catalog.Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    technology = models.ForeignKey(
        "catalog.Technology", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    body = models.TextField()

    class Meta:
        verbose_name = _("served STIX object")
        constraints = [models.UniqueConstraint(fields=["stix_id", "modified"], name="exchange_stix_version_once")]
        indexes = [
            models.Index(fields=["measure"], name="exchange_stix_measure"),
            models.Index(fields=["technology"], name="exchange_stix_technology"),
        ]

    def __str__(self) -> str:
        return f"{self.stix_id} {self.modified}"


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("uploaded file")
    TAXII = "taxii", _("posted to TAXII")
    SYNC = "sync", _("pulled from another instance")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    COMPLETE = "complete", _("complete")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One STIX bundle taken in, and its report; a POST to TAXII answers with it as the status resource."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=ImportSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_state = models.ForeignKey(
        "countries.MemberState", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organization = models.ForeignKey(
        "countries.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sync_source = models.ForeignKey(
        "SyncSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        verbose_name=_("synced from"),
    )
    #: The file name, the TAXII collection posted to, or the remote collection's address.
    origin = models.CharField(_("from"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total_count = models.PositiveIntegerField(_("objects"), default=0)
    success_count = models.PositiveIntegerField(_("taken in"), default=0)
    failure_count = models.PositiveIntegerField(_("refused"), default=0)
    pending_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("new drafts"), default=0)
    updated_count = models.PositiveIntegerField(_("drafts updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already known"), default=0)
    unmapped_count = models.PositiveIntegerField(_("kept, not mapped"), default=0)
    #: ``successes``/``failures`` (id, version, message) as TAXII's status resource lists them, ``unmapped``
    #: (id, type, reason) and ``errors`` (a message for the bundle as a whole).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("STIX import")
        verbose_name_plural = _("STIX imports")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.requested_at:%Y-%m-%d %H:%M} {self.status}"


class ImportArchive(models.Model):
    """The objects an import took in, as received: their JSON texts one a line, compressed (Zstandard), in one
    row (a tenth of the bytes of a row per text, written at once). :class:`ImportedObject` says where each is."""

    run = models.OneToOneField(ImportRun, on_delete=models.CASCADE, primary_key=True, related_name="archive")
    data = models.BinaryField()
    #: Bytes once decompressed.
    size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("STIX objects received")
        verbose_name_plural = _("STIX objects received")

    def __str__(self) -> str:
        return f"{self.run_id} ({self.size:,} bytes)"


class ImportedObject(models.Model):
    """One version of one STIX object an import took in, and the catalogue record it became (if any).

    Keyed by id and ``modified``: the same version imported again changes nothing, a newer one updates
    the record it became, and every version stays as the history of what was received: its text is bytes
    ``offset`` to ``offset + length`` of its run's :class:`ImportArchive`.
    """

    stix_id = models.CharField(max_length=120)
    modified = models.CharField(max_length=32)
    type = models.CharField(max_length=60)
    # Written in bulk, only by its run's own transaction, right after the run and the records: the database does
    # not check these references row by row (on PostgreSQL that was a tenth of a 100,000-object import).
    # Django's delete cascades (run) and clears them (measure, technology) all the same, and the import reads a
    # record that is gone as deleted.
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="imported_objects", db_constraint=False)
    measure = models.ForeignKey(
        "catalog.Measure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    technology = models.ForeignKey(
        "catalog.Technology",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    offset = models.PositiveBigIntegerField(default=0)
    length = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("imported STIX object")
        constraints = [models.UniqueConstraint(fields=["stix_id", "modified"], name="exchange_imported_version_once")]

    def __str__(self) -> str:
        return f"{self.stix_id} {self.modified}"


class SyncSource(models.Model):
    """A TAXII collection of another instance (or any TAXII 2.1 server) pulled on a schedule."""

    name = models.CharField(_("name"), max_length=200)
    api_root = models.URLField(_("API root address"), max_length=500)
    collection = models.CharField(_("collection id"), max_length=100)
    #: Sent as ``Authorization: Token …``, encrypted (``exchange.credentials``); never shown again once saved.
    encrypted_token = models.TextField(blank=True)
    #: With ``encrypted_password``, sent as HTTP Basic (OASIS medallion and many TAXII servers ask for it).
    username = models.CharField(_("user name at the remote"), max_length=200, blank=True)
    encrypted_password = models.TextField(blank=True)
    interval_minutes = models.PositiveIntegerField(_("every (minutes)"), default=60)
    enabled = models.BooleanField(_("enabled"), default=True)
    owner_state = models.ForeignKey(
        "countries.MemberState", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organization = models.ForeignKey(
        "countries.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: What the next run sends as ``added_after``: strictly before every object not yet taken in (see
    #: ``exchange.sync``), so objects added in the same instant as the last one taken in are never skipped.
    added_after = models.CharField(max_length=40, blank=True)
    #: When the scheduled task runs next, and the schedule it belongs to: enabling a source starts a new
    #: schedule, and a task of an older one stops instead of running twice.
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    schedule = models.UUIDField(default=uuid.uuid4)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sync source")
        constraints = [models.UniqueConstraint(fields=["api_root", "collection"], name="exchange_sync_source_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def authentication(self) -> str:
        """How this source signs in to its remote, in words (never the secret)."""
        if self.username:
            return _("HTTP Basic as %(user)s") % {"user": self.username}
        if self.encrypted_token:
            return str(_("API token"))
        return str(_("none"))
