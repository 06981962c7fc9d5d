"""The assistance clearinghouse: Member States ask for help against the illicit use of ICTs, states, organizations
and the Secretariat offer it, and a request is followed from its opening to its outcome (docs/assistance.md).

Requests and offers are shareable records like measures: one TLP marking and one owner, and who sees them is the
one access rule's (``visible_to``). A request's own steps (``Stage``) sit beside the shared ``lifecycle``, which
the rule reads: a draft is the owner's, an opened request is "published" to whom its marking allows, a withdrawn
or hidden one is withdrawn.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clearinghouse.catalog.models import TranslationBase
from clearinghouse.core.models import Shareable
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import BDTRegion


class HelpKind(models.TextChoices):
    """The kinds of help a request asks for and an offer gives."""

    LEGISLATIVE_DRAFTING = "legislative_drafting", _("Legislative drafting")
    CIRT_SETUP = "cirt_setup", _("CIRT set-up")
    TRAINING = "training", _("Training")
    EQUIPMENT = "equipment", _("Equipment")
    POLICY_ADVICE = "policy_advice", _("Policy advice")
    EXERCISES = "exercises", _("Exercises")


class Modality(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")
    REGIONAL = "regional", _("Regional")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within three months")
    URGENT = "urgent", _("Urgent")


class CostModel(models.TextChoices):
    FREE = "free", _("Free of charge")
    CO_FUNDED = "co_funded", _("Co-funded")
    DONOR_FUNDED = "donor_funded", _("Funded by a donor")


class Stage(models.TextChoices):
    """A request's steps, in order; ``withdrawn`` ends it at any step before it is closed."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    AGREED = "agreed", _("Agreed")
    IN_DELIVERY = "in_delivery", _("In delivery")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The steps a request may take from each one (the order of the GFCE model: the state owns the process).
NEXT_STAGES: dict[str, tuple[str, ...]] = {
    Stage.DRAFT: (Stage.OPEN, Stage.WITHDRAWN),
    Stage.OPEN: (Stage.MATCHED, Stage.WITHDRAWN),
    Stage.MATCHED: (Stage.AGREED, Stage.OPEN, Stage.WITHDRAWN),
    Stage.AGREED: (Stage.IN_DELIVERY, Stage.WITHDRAWN),
    Stage.IN_DELIVERY: (Stage.DELIVERED, Stage.WITHDRAWN),
    Stage.DELIVERED: (Stage.CLOSED,),
    Stage.CLOSED: (),
    Stage.WITHDRAWN: (),
}

#: The shared lifecycle the access rule reads, for each step.
LIFECYCLE_OF_STAGE: dict[str, str] = {
    Stage.DRAFT: Lifecycle.DRAFT,
    Stage.WITHDRAWN: Lifecycle.WITHDRAWN,
    **{stage: Lifecycle.PUBLISHED for stage in (Stage.OPEN, Stage.MATCHED, Stage.AGREED, Stage.IN_DELIVERY)},
    Stage.DELIVERED: Lifecycle.PUBLISHED,
    Stage.CLOSED: Lifecycle.PUBLISHED,
}


def validate_choices(values: object, choices: type[models.TextChoices], what: Any) -> None:
    if not isinstance(values, list) or any(value not in choices.values for value in values):
        raise ValidationError(_("Choose %(what)s from the list.") % {"what": what})


def validate_help_kinds(values: object) -> None:
    validate_choices(values, HelpKind, _("kinds of help"))


def validate_regions(values: object) -> None:
    validate_choices(values, BDTRegion, _("regions"))


def validate_languages(values: object) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    if not isinstance(values, list) or any(value not in known for value in values):
        raise ValidationError(_("Choose languages among the six of the platform."))


class AssistanceRequest(Shareable):
    """A Member State asks for help: the need in its own words, what it concerns, the help it wants and how."""

    title = models.CharField(_("title"), max_length=300)
    need = models.TextField(_("the need, in the state's own words"))
    language = models.CharField(_("language of the text"), max_length=10, choices=settings.LANGUAGES)
    threats = models.ManyToManyField("catalog.Threat", blank=True, related_name="+", verbose_name=_("threats"))
    pillars = models.ManyToManyField("catalog.Pillar", blank=True, related_name="+", verbose_name=_("pillars"))
    measures = models.ManyToManyField(
        "catalog.Measure",
        blank=True,
        related_name="wanted_by_requests",
        verbose_name=_("measures of the catalogue the state wants to adopt"),
    )
    kinds = models.JSONField(_("kinds of help"), default=list, validators=[validate_help_kinds])
    languages = models.JSONField(_("languages of the help"), default=list, validators=[validate_languages])
    modality = models.CharField(_("preferred modality"), max_length=20, choices=Modality.choices)
    wanted_from = models.DateField(_("wanted from"), null=True, blank=True)
    wanted_until = models.DateField(_("wanted until"), null=True, blank=True)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFT, db_index=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    stage_changed_at = models.DateTimeField(_("stage since"), default=timezone.now)
    #: A curator hid an abusive request: nobody but its owner and the curators sees it.
    hidden_at = models.DateTimeField(_("hidden by a curator"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it was hidden"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    adopted_measures = models.ManyToManyField(
        "catalog.Measure",
        blank=True,
        related_name="adopted_through_requests",
        verbose_name=_("the state's own measures that came of it"),
    )
    feedback = models.TextField(_("the state's feedback"), blank=True)
    #: Made up to demonstrate the platform (the demo data): said on every page and left out of real reports.
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    #: The words a reader may search for, in every language the record has, as ``catalog.search.text`` folds
    #: them and with their other forms (``assistance.search``): kept current by the services that write it.
    search_text = models.TextField(default="", blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta(Shareable.Meta):
        ordering = ["-opened_at", "-id"]
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        indexes = [
            # every column the matching reads to tell which open requests a viewer may not see (the stage, the
            # marking and the owners the access rule reads): the rows themselves, their texts and search words,
            # are then never read for it (half the time of ``matching.requests_for_offer`` at 50,000 requests)
            models.Index(
                fields=["stage", "lifecycle", "hidden_at", "tlp", "owner_state", "owner_organization"],
                name="assistance_request_access",
            ),
        ]
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(owner_state__isnull=False),
                name="assistance_request_of_a_state",
                violation_error_message=_("A Member State asks for assistance."),
            ),
            models.CheckConstraint(
                condition=models.Q(wanted_from__isnull=True)
                | models.Q(wanted_until__isnull=True)
                | models.Q(wanted_until__gte=models.F("wanted_from")),
                name="assistance_request_period_in_order",
                violation_error_message=_("The help cannot be wanted until a date before it is wanted from."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assistance:request_detail", args=[self.pk])


class AssistanceOffer(Shareable):
    """What a Member State, an organization or the Secretariat (the ITU's organization record) can give."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what is offered"))
    language = models.CharField(_("language of the text"), max_length=10, choices=settings.LANGUAGES)
    threats = models.ManyToManyField(
        "catalog.Threat", blank=True, related_name="+", verbose_name=_("expertise: threats")
    )
    pillars = models.ManyToManyField(
        "catalog.Pillar", blank=True, related_name="+", verbose_name=_("expertise: pillars")
    )
    kinds = models.JSONField(_("kinds of help"), default=list, validators=[validate_help_kinds])
    languages = models.JSONField(_("languages"), default=list, validators=[validate_languages])
    regions = models.JSONField(
        _("regions"), default=list, blank=True, validators=[validate_regions], help_text=_("None: any region.")
    )
    modalities = models.JSONField(_("modalities"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("engagements at once"), default=1, help_text=_("How many requests can be helped at the same time.")
    )
    available_until = models.DateField(_("available until"), null=True, blank=True)
    cost_model = models.CharField(_("cost"), max_length=20, choices=CostModel.choices, default=CostModel.FREE)
    past_engagements = models.TextField(_("past engagements"), blank=True)
    #: Made up to demonstrate the platform (the demo data): said on every page and left out of real reports.
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    #: The words a reader may search for, in every language the record has, as ``catalog.search.text`` folds
    #: them and with their other forms (``assistance.search``): kept current by the services that write it.
    search_text = models.TextField(default="", blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta(Shareable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance offer")
        verbose_name_plural = _("assistance offers")
        indexes = [
            # as the request's: what the access rule reads of the offers on offer, without their texts
            models.Index(
                fields=["lifecycle", "tlp", "owner_state", "owner_organization"], name="assistance_offer_access"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assistance:offer_detail", args=[self.pk])


class Engagement(models.Model):
    """An offer put forward for a request, by a curator or by the offerer; the requesting state chooses whom to
    work with (several chosen offers are the "Friends of <state>" of that request)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CHOSEN = "chosen", _("Chosen by the state")
        DECLINED = "declined", _("Declined by the state")
        DELIVERED = "delivered", _("Delivered")

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="engagements")
    offer = models.ForeignKey(AssistanceOffer, on_delete=models.PROTECT, related_name="engagements")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    #: The match's score and its lines when it was proposed (``matching.explain``).
    score = models.JSONField(_("score when proposed"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    delivered = models.TextField(_("what was delivered"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [
            models.UniqueConstraint(fields=["request", "offer"], name="assistance_engagement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.request}"


class StageChange(models.Model):
    """One step of a request, dated, with who took it and why (also in the audit log)."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.request}: {self.from_stage} → {self.to_stage}"


#: The longest term the search tables keep: a longer word is kept cut, and found by its start and then by the
#: record's ``search_text`` (``assistance.search``).
TERM_MAX = 100


class SearchTerm(models.Model):
    """One term of a record's search words (a word, one of its other forms, a Chinese character), so that a search
    reads the records holding a term from an index rather than every record's words (``assistance.search``)."""

    term = models.CharField(max_length=TERM_MAX)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.term


def _term_index(name: str) -> models.Index:
    # by term, then record: the records holding a term are read from the index alone; on PostgreSQL with the
    # pattern operators, so that the start of a word (``LIKE 'word%'``) is read from it too, in any collation
    return models.Index(fields=["term", "record"], name=name, opclasses=["varchar_pattern_ops", "int8_ops"])


class AssistanceRequestTerm(SearchTerm):
    record = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [_term_index("assistance_request_term")]
        constraints = [models.UniqueConstraint(fields=["record", "term"], name="one_request_term")]


class AssistanceOfferTerm(SearchTerm):
    record = models.ForeignKey(AssistanceOffer, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [_term_index("assistance_offer_term")]
        constraints = [models.UniqueConstraint(fields=["record", "term"], name="one_offer_term")]


class AssistanceRequestTranslation(TranslationBase):
    """A request's title and need in another of the six languages, with their provenance (the state asks in its
    own words; the Secretariat or the state itself gives them in the languages of those who can help)."""

    TRANSLATED_FIELDS = ("title", "need")

    request = models.ForeignKey(
        AssistanceRequest, on_delete=models.CASCADE, related_name="translations", db_index=False
    )
    title = models.CharField(_("title"), max_length=300)
    need = models.TextField(_("the need"))

    class Meta:
        verbose_name = _("assistance request translation")
        verbose_name_plural = _("assistance request translations")
        constraints = [
            models.UniqueConstraint(fields=["request", "language"], name="one_request_translation_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def original(self) -> AssistanceRequest:
        return self.request


class AssistanceOfferTranslation(TranslationBase):
    """An offer's title and description in another of the six languages, with their provenance."""

    TRANSLATED_FIELDS = ("title", "description", "past_engagements")

    offer = models.ForeignKey(AssistanceOffer, on_delete=models.CASCADE, related_name="translations", db_index=False)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what is offered"))
    past_engagements = models.TextField(_("past engagements"), blank=True)

    class Meta:
        verbose_name = _("assistance offer translation")
        verbose_name_plural = _("assistance offer translations")
        constraints = [models.UniqueConstraint(fields=["offer", "language"], name="one_offer_translation_per_language")]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def original(self) -> AssistanceOffer:
        return self.offer
