"""People, the state or organization each one belongs to, their role, their invitations and their API tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.languages import isolate, language_name, reader_list, reader_number


class Role(models.TextChoices):
    """What a person may do on the platform. Anyone without an account is a public reader."""

    FOCAL_POINT = "focal_point", _("Member State focal point")
    CONTRIBUTOR = "contributor", _("Stakeholder contributor")
    CURATOR = "curator", _("Secretariat curator")
    ADMINISTRATOR = "administrator", _("Administrator")


class Position(models.TextChoices):
    """A person's place within their Member State or organization. A state's lead is its focal point towards
    the Secretariat; leads invite colleagues and manage the members."""

    LEAD = "lead", _("Lead")
    MEMBER = "member", _("Member")


#: Roles whose accounts must pass a TOTP second factor before doing anything.
TWO_FACTOR_ROLES = (Role.CURATOR, Role.ADMINISTRATOR)


class AccountManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMINISTRATOR
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: a focal point, a contributor, a curator or an administrator."""

    objects = AccountManager()  # type: ignore[misc]

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR)
    #: The language the platform writes to this person in (e-mails, digests); set from their invitation, at
    #: sign-in when still empty, and on the notification settings page.
    language = models.CharField(
        _("language of e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The platform writes its e-mails to you in this language."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def save(self, *args, **kwargs) -> None:
        # The Django admin is the Secretariat's tool: curators and administrators reach it.
        self.is_staff = self.role in (Role.CURATOR, Role.ADMINISTRATOR)
        self.is_superuser = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)

    @property
    def is_curator(self) -> bool:
        return self.is_active and self.role in (Role.CURATOR, Role.ADMINISTRATOR)

    @property
    def is_administrator(self) -> bool:
        return self.is_active and self.role == Role.ADMINISTRATOR

    @property
    def is_lead(self) -> bool:
        """Leads their Member State or organization: invites colleagues and manages its members."""
        return self.is_active and self._membership is not None and self._membership.position == Position.LEAD

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES

    @cached_property
    def _membership(self) -> Membership | None:
        return Membership.objects.select_related("member_state", "organization").filter(user=self).first()

    @property
    def member_state_id(self) -> int | None:
        return self._membership.member_state_id if self._membership else None

    @property
    def organization_id(self) -> int | None:
        return self._membership.organization_id if self._membership else None

    @property
    def member_state(self):
        return self._membership.member_state if self._membership else None

    @property
    def organization(self):
        return self._membership.organization if self._membership else None


class Membership(models.Model):
    """Ties a person to the one Member State or the one organization they act for."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership", verbose_name=_("user"))
    member_state = models.ForeignKey(
        "countries.MemberState",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("Member State"),
    )
    organization = models.ForeignKey(
        "countries.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    position = models.CharField(_("position"), max_length=10, choices=Position.choices, default=Position.MEMBER)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(member_state__isnull=False, organization__isnull=True)
                    | models.Q(member_state__isnull=True, organization__isnull=False)
                ),
                name="membership_one_state_or_one_organization",
                violation_error_message=_("A membership names one Member State or one organization, not both."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.member_state or self.organization}"


class ApiToken(models.Model):
    """A secret a person creates to use the API from a script; only its hash is kept."""

    PREFIX = "ch174_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “nightly export”."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("starts with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Neither accepted nor revoked, and not past its date (or not sent yet)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True).exclude(expires_at__lte=timezone.now())


class Invitation(models.Model):
    """An e-mail asking a person to open an account with a given role, in a given Member State or organization.

    The link in it works once and until ``expires_at``; only a hash of its secret is kept. The secret is made
    when the e-mail is written (by the task worker), so it never waits in the database or the task queue."""

    class Status(models.TextChoices):
        NOT_SENT = "not_sent", _("Being sent")
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Could not be sent")

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    position = models.CharField(_("position"), max_length=10, choices=Position.choices, default=Position.MEMBER)
    member_state = models.ForeignKey(
        "countries.MemberState",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("Member State"),
    )
    organization = models.ForeignKey(
        "countries.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organization"),
    )
    language = models.CharField(_("language of the e-mail"), max_length=10, choices=settings.LANGUAGES)
    invited_by = models.ForeignKey(
        User,
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    #: The account the invitation opened, or the deactivated account it opens again.
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("account"),
    )
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    #: Why the mail server refused the e-mail, after the last attempt (cleared when it is sent).
    send_error = models.TextField(_("sending error"), blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(member_state__isnull=False) & models.Q(organization__isnull=False)),
                name="invitation_one_state_or_one_organization",
                violation_error_message=_("An invitation names one Member State or one organization, not both."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def group(self):
        return self.member_state or self.organization

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is None:
            return self.Status.FAILED if self.send_error else self.Status.NOT_SENT
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.NOT_SENT, self.Status.FAILED)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


# -- notifications ------------------------------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    """What happened, told to whom (docs/accounts.md, "Notifications")."""

    MEASURE_SUBMITTED = "measure_submitted", _("A measure was submitted for review")
    MEASURE_REVIEW_STARTED = "measure_review_started", _("The review of a measure started")
    MEASURE_PUBLISHED = "measure_published", _("A measure was published")
    MEASURE_SENT_BACK = "measure_sent_back", _("A measure was sent back with a comment")
    INVITATION_ACCEPTED = "invitation_accepted", _("An invitation was accepted")
    TRANSLATION_OUTDATED = "translation_outdated", _("A translation you made became outdated")
    IMPORT_FINISHED = "import_finished", _("An import or a sync finished or failed")
    REPORT_FINISHED = "report_finished", _("A report is ready or failed")
    EMAIL_FAILED = "email_failed", _("An e-mail could not be sent")
    ASSISTANCE_REQUEST_OPENED = "assistance_request_opened", _("A Member State asked for assistance")
    ASSISTANCE_OFFER_PROPOSED = "assistance_offer_proposed", _("An offer was put forward for a request of your state")
    ASSISTANCE_STEP = "assistance_step", _("A request for assistance you take part in moved a step")


class Delivery(models.TextChoices):
    """How a person hears of one kind of notification; the inbox always has it."""

    IMMEDIATE = "immediate", _("E-mail at once")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    PLATFORM = "platform", _("In the platform only")


#: What a person gets until they choose: at once what asks them to act, in the inbox only what merely informs.
DEFAULT_DELIVERY = {
    NotificationKind.MEASURE_SUBMITTED: Delivery.IMMEDIATE,
    NotificationKind.MEASURE_REVIEW_STARTED: Delivery.PLATFORM,
    NotificationKind.MEASURE_PUBLISHED: Delivery.IMMEDIATE,
    NotificationKind.MEASURE_SENT_BACK: Delivery.IMMEDIATE,
    NotificationKind.INVITATION_ACCEPTED: Delivery.IMMEDIATE,
    NotificationKind.TRANSLATION_OUTDATED: Delivery.DAILY,
    NotificationKind.IMPORT_FINISHED: Delivery.PLATFORM,
    NotificationKind.REPORT_FINISHED: Delivery.IMMEDIATE,
    # told to administrators when the mail server fails: the inbox is where they will see it
    NotificationKind.EMAIL_FAILED: Delivery.PLATFORM,
    NotificationKind.ASSISTANCE_REQUEST_OPENED: Delivery.DAILY,
    NotificationKind.ASSISTANCE_OFFER_PROPOSED: Delivery.IMMEDIATE,
    NotificationKind.ASSISTANCE_STEP: Delivery.IMMEDIATE,
}


class Notification(models.Model):
    """One thing a person is told, in their inbox: what happened (``kind`` and ``params``) to which record.

    The sentence is written when it is read, in the reader's language, from the record as it is then: a record
    the reader may no longer see is not described."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    about_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+", verbose_name=_("record type")
    )
    #: The record's key as text: a number for most records, a UUID for an import run.
    about_id = models.CharField(_("record id"), max_length=40)
    about = GenericForeignKey("about_type", "about_id")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # the header's unread count, and the inbox, newest first
            models.Index(fields=["recipient", "read_at"], name="accounts_notification_unread"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="accounts_notification_inbox"),
        ]

    #: What it is about, if the reader may see it now; set by ``selectors.attach_records`` (None: not told).
    record: Any = None

    def __str__(self) -> str:
        return f"{self.recipient} — {self.get_kind_display()}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    #: The line of each kind about a measure (``%(title)s``: its title).
    MEASURE_LINES: dict[str, Any] = {
        NotificationKind.MEASURE_SUBMITTED: _("“%(title)s” was submitted for review."),
        NotificationKind.MEASURE_REVIEW_STARTED: _("The review of “%(title)s” started."),
        NotificationKind.MEASURE_PUBLISHED: _("“%(title)s” was published."),
        NotificationKind.MEASURE_SENT_BACK: _("“%(title)s” was sent back to you with a comment."),
    }

    def _line(self) -> tuple[str, dict[str, Any]]:
        """The line in the active language and what fills it; ``title`` is a record's title, in its own language.
        It names the record only when the reader may see it."""
        if self.record is None:
            return gettext("An update about a record you cannot see any more."), {}
        if self.kind in self.MEASURE_LINES:
            return str(self.MEASURE_LINES[self.kind]), {"title": str(self.record)}
        write = _LINES.get(self.kind)
        return write(self, self.record) if write is not None else (str(self.get_kind_display()), {})

    @property
    def subject(self) -> str:
        """One line in the active language, for the inbox, an e-mail's subject and its text."""
        line, values = self._line()
        return line % values if values else line

    @property
    def subject_html(self) -> SafeString:
        """The same line for a page or an HTML e-mail, the record's title marked with its own language (a French
        title in an Arabic sentence keeps its direction and punctuation)."""
        line, values = self._line()
        if not values:
            return conditional_escape(line)
        escaped = {name: conditional_escape(value) for name, value in values.items()}
        if "title" in values:
            escaped["title"] = isolate(values["title"], getattr(self.record, "language", None))
        return mark_safe(conditional_escape(line) % escaped)  # noqa: S308 (each value is escaped above)

    @property
    def comment(self) -> str:
        """The curator's comment on a measure sent back, shown only with the record itself."""
        return str(self.params.get("comment", "")) if self.record is not None else ""

    @property
    def link(self) -> str:
        """Where the record is, or the empty string when the reader may not see it."""
        record = self.record
        if record is None:
            return ""
        translation_pages = {
            "measure": "catalog:translation_edit",
            "assistancerequest": "assistance:request_translation",
            "assistanceoffer": "assistance:offer_translation",
        }
        if self.kind == NotificationKind.TRANSLATION_OUTDATED and record._meta.model_name in translation_pages:
            languages = self.params.get("languages") or []
            query = f"?language={languages[0]}" if len(languages) == 1 else ""
            return reverse(translation_pages[record._meta.model_name], args=[record.pk]) + query
        if self.kind == NotificationKind.IMPORT_FINISHED and record._meta.model_name == "syncsource":
            return reverse("sync:sync_edit", args=[record.pk])
        if self.kind == NotificationKind.IMPORT_FINISHED:
            return reverse("exchange_pages:import_detail", args=[record.pk])
        if self.kind == NotificationKind.REPORT_FINISHED and record.status == "done":
            return reverse("reports:report_download", args=[record.pk])
        if isinstance(record, Invitation):
            group = record.group
            if record.member_state is not None:
                return reverse("accounts:state_members", args=[record.member_state.alpha2])
            if group is not None:
                return reverse("accounts:organization_members", args=[group.slug])
            return reverse("accounts:account")
        return str(record.get_absolute_url())


# -- the line of each kind (``Notification._line``): what happened, filled from the record and ``params`` ------------

_Line = tuple[str, dict[str, Any]]


def _translation_outdated(notification: Notification, record: Any) -> _Line:
    languages = list(notification.params.get("languages") or [])
    line = ngettext(
        "Your %(languages)s translation of “%(title)s” is outdated: its original changed.",
        "Your %(languages)s translations of “%(title)s” are outdated: their original changed.",
        len(languages),
    )
    return line, {"languages": reader_list(language_name(code) for code in languages), "title": str(record)}


def _import_finished(notification: Notification, record: Any) -> _Line:
    params = notification.params
    if record._meta.model_name == "syncsource":  # a pull, told by ``params`` as it was then (exchange.notices)
        if params.get("status") == "failed":
            line = gettext("The sync from %(source)s failed: %(error)s")
            return line, {"source": record.name, "error": params.get("error", "")}
        line = gettext("The sync from %(source)s finished: %(created)s new drafts, %(updated)s updated.")
        numbers = {name: reader_number(int(params.get(name) or 0)) for name in ("created", "updated")}
        return line, {"source": record.name, **numbers}
    origin = record.origin or record.get_source_display()
    if record.status == "failed":
        errors = (record.report or {}).get("errors") or [""]
        return gettext("The import of %(origin)s failed: %(error)s"), {"origin": origin, "error": errors[0]}
    line = gettext(
        "The import of %(origin)s finished: %(created)s new drafts, %(updated)s updated, %(refused)s refused."
    )
    counts = {"created": record.created_count, "updated": record.updated_count, "refused": record.failure_count}
    return line, {"origin": origin, **{name: reader_number(n) for name, n in counts.items()}}


def _report_finished(notification: Notification, record: Any) -> _Line:
    # what happened then, told by ``params``: the report may have been made again since
    resolution = gettext("Resolution %(number)s") % {"number": record.resolution.number}
    if notification.params.get("status") == "failed":
        error = notification.params.get("error", "")
        return gettext("The report on %(resolution)s could not be made: %(error)s"), {
            "resolution": resolution,
            "error": error,
        }
    line = gettext("The report on %(resolution)s (%(format)s) is ready.")
    return line, {"resolution": resolution, "format": record.format.upper()}


def _invitation_accepted(notification: Notification, record: Any) -> _Line:
    person = (record.user.get_full_name() or record.user.get_username()) if record.user else record.email
    return gettext("%(person)s accepted your invitation and opened an account."), {"person": person}


def _email_failed(notification: Notification, record: Any) -> _Line:
    return gettext("An e-mail to %(address)s (%(purpose)s) could not be sent: %(error)s"), {
        "address": record.address,
        "purpose": record.get_purpose_display().lower(),
        "error": record.error,
    }


def _assistance_request_opened(notification: Notification, record: Any) -> _Line:
    return gettext("%(state)s asked for assistance: “%(title)s”."), {
        "state": str(record.owner_state),
        "title": str(record),
    }


def _assistance_offer_proposed(notification: Notification, record: Any) -> _Line:
    return gettext("An offer from %(offerer)s was put forward for “%(title)s”: choose whom to work with."), {
        "offerer": str(notification.params.get("offerer", "")),
        "title": str(record),
    }


def _assistance_step(notification: Notification, record: Any) -> _Line:
    from clearinghouse.assistance.models import Stage

    stage = notification.params.get("stage", "")
    label = str(Stage(stage).label).lower() if stage in Stage.values else stage
    return gettext("The request “%(title)s” of %(state)s is now %(stage)s."), {
        "title": str(record),
        "state": str(record.owner_state),
        "stage": label,
    }


_LINES: dict[str, Callable[[Notification, Any], _Line]] = {
    NotificationKind.TRANSLATION_OUTDATED: _translation_outdated,
    NotificationKind.IMPORT_FINISHED: _import_finished,
    NotificationKind.REPORT_FINISHED: _report_finished,
    NotificationKind.INVITATION_ACCEPTED: _invitation_accepted,
    NotificationKind.EMAIL_FAILED: _email_failed,
    NotificationKind.ASSISTANCE_REQUEST_OPENED: _assistance_request_opened,
    NotificationKind.ASSISTANCE_OFFER_PROPOSED: _assistance_offer_proposed,
    NotificationKind.ASSISTANCE_STEP: _assistance_step,
}


class NotificationPreference(models.Model):
    """A person's choice of how to hear of one kind of notification; without one, ``DEFAULT_DELIVERY`` holds."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    delivery = models.CharField(_("delivery"), max_length=20, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="accounts_notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.kind}: {self.delivery}"


class MailFailure(models.Model):
    """An e-mail the mail server still refused after the last attempt: listed for administrators (the outgoing
    mail page) and told to them in their inbox, so that a broken mail server is seen, not only logged."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        NOTIFICATION = "notification", _("Notification")
        DIGEST = "digest", _("Digest")

    purpose = models.CharField(_("e-mail"), max_length=20, choices=Purpose.choices)
    address = models.CharField(_("to"), max_length=254)
    error = models.TextField(_("error"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    invitation = models.ForeignKey(
        Invitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_failures",
        verbose_name=_("invitation"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail not sent")
        verbose_name_plural = _("e-mails not sent")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.address}: {self.error}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:invitations") + "#not-sent"


class DigestSchedule(models.Model):
    """When the next digest of one frequency is due: the task worker's booking, written by whoever books it so
    that one run is booked at a time (a run whose time is no longer this one's was replaced and does nothing)."""

    frequency = models.CharField(max_length=10, primary_key=True)
    next_at = models.DateTimeField()

    class Meta:
        verbose_name = _("digest schedule")
        verbose_name_plural = _("digest schedules")

    def __str__(self) -> str:
        return f"{self.frequency}: {self.next_at:%Y-%m-%d %H:%M}"
