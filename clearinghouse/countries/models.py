"""The 194 ITU Member States, the development groups the resolution names, and organizations."""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, get_language_info, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.models import Shareable
from clearinghouse.core.visibility import TLP, Lifecycle

#: Interface language code -> suffix of the ``name_*`` columns.
NAME_COLUMNS = {"ar": "ar", "en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh-hans": "zh"}


def active_language(language: str | None = None) -> str:
    """``language``, or the reader's, as one of the six codes (``en`` when it is none of them)."""
    code = (language or get_language() or "en").lower()
    return code if code in NAME_COLUMNS else "en"


def name_column(language: str | None = None) -> str:
    return "name_" + NAME_COLUMNS[active_language(language)]


class BDTRegion(models.TextChoices):
    """The six regions of the ITU Telecommunication Development Sector (ITU-D)."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ARAB_STATES = "arab_states", _("Arab States")
    ASIA_PACIFIC = "asia_pacific", _("Asia and the Pacific")
    CIS = "cis", _("CIS")
    EUROPE = "europe", _("Europe")


class ITURegion(models.TextChoices):
    """The five administrative regions used for elections to the ITU Council."""

    A = "A", _("Region A (Americas)")
    B = "B", _("Region B (Western Europe)")
    C = "C", _("Region C (Eastern Europe and Northern Asia)")
    D = "D", _("Region D (Africa)")
    E = "E", _("Region E (Asia and Australasia)")


class GroupCode(models.TextChoices):
    """The development groups named in Resolution 174 (recognizing c and its footnote)."""

    LDC = "ldc", _("Least developed countries")
    SIDS = "sids", _("Small island developing states")
    LLDC = "lldc", _("Landlocked developing countries")
    EIT = "eit", _("Economies in transition")


class MemberStateQuerySet(models.QuerySet):
    def in_group(self, code: str) -> MemberStateQuerySet:
        """The states on the group's current list."""
        return self.filter(groups__code=code)

    def in_group_on(self, code: str, day: date) -> MemberStateQuerySet:
        """The states that were members of the group on ``day``, from their dated memberships."""
        periods = GroupMembership.objects.covering(day).filter(member_state=models.OuterRef("pk"), group__code=code)
        return self.filter(models.Exists(periods))

    def ordered_by_name(self) -> MemberStateQuerySet:
        return self.order_by(name_column(), "alpha2")


class MemberState(models.Model):
    """A Member State of the ITU: one of the 193 UN members or the Holy See."""

    alpha2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO 3166 numeric"), max_length=3, unique=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120)
    name_fr = models.CharField(_("name in French"), max_length=120)
    name_ru = models.CharField(_("name in Russian"), max_length=120)
    name_zh = models.CharField(_("name in Chinese"), max_length=120)
    bdt_region = models.CharField(_("BDT region"), max_length=20, choices=BDTRegion.choices, db_index=True)
    itu_region = models.CharField(_("ITU region"), max_length=1, choices=ITURegion.choices, db_index=True)

    # What the state's focal point keeps up to date; empty until they do.
    authority_name = models.CharField(_("ICT regulator or ministry"), max_length=200, blank=True)
    authority_url = models.URLField(_("its website"), blank=True)
    cirt_name = models.CharField(_("national CIRT"), max_length=200, blank=True)
    cirt_url = models.URLField(_("the CIRT's website"), blank=True)
    strategy_url = models.URLField(_("national cybersecurity strategy"), blank=True)
    profile_updated_at = models.DateTimeField(_("profile last updated"), null=True, blank=True)

    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("Member State")
        verbose_name_plural = _("Member States")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alpha2__regex=r"^[A-Z]{2}$"),
                name="member_state_alpha2_upper",
                violation_error_message=_("An alpha-2 code is two capital letters."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("countries:member_state_detail", args=[self.alpha2])

    @property
    def name(self) -> str:
        return getattr(self, name_column()) or self.name_en

    def name_in(self, language: str) -> str:
        return getattr(self, name_column(language))

    @property
    def names(self) -> list[tuple[str, str]]:
        """``(language code, name)`` in the six languages, in the order of the site's languages."""
        return [(lang, getattr(self, "name_" + suffix)) for lang, suffix in NAME_COLUMNS.items()]

    @property
    def names_by_language(self) -> list[tuple[str, str, str]]:
        """``(language code, the language's own name, the state's name in it)``, for pages."""
        return [(lang, get_language_info(lang)["name_local"], name) for lang, name in self.names]


class DevelopmentGroup(models.Model):
    """A UN list of countries in special situations, as of a date and from a named source."""

    code = models.CharField(_("code"), max_length=10, choices=GroupCode.choices, unique=True)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), blank=True)
    note = models.TextField(_("note"), blank=True)
    members = models.ManyToManyField(MemberState, related_name="groups", verbose_name=_("members"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("development group")
        verbose_name_plural = _("development groups")

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def name(self) -> str:
        return str(self.get_code_display())


class GroupMembershipQuerySet(models.QuerySet):
    def covering(self, day: date) -> GroupMembershipQuerySet:
        """The periods in which ``day`` falls: begun on or before it (or at an unknown date) and not yet ended."""
        return self.filter(
            models.Q(since__isnull=True) | models.Q(since__lte=day),
            models.Q(until__isnull=True) | models.Q(until__gt=day),
        )


class GroupMembership(models.Model):
    """One period in which a Member State was on a development group's list, e.g. Bhutan, a least developed
    country until it graduated on 13 December 2023. The group's ``members`` is the current list; every current
    member has an open period here, and a former member a closed one."""

    group = models.ForeignKey(
        DevelopmentGroup, verbose_name=_("development group"), on_delete=models.CASCADE, related_name="periods"
    )
    member_state = models.ForeignKey(
        MemberState, verbose_name=_("Member State"), on_delete=models.CASCADE, related_name="group_periods"
    )
    since = models.DateField(_("member since"), null=True, blank=True, help_text=_("Empty: not known."))
    until = models.DateField(
        _("member until"), null=True, blank=True, help_text=_("The day it stopped being a member; empty: still one.")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = GroupMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group__code", "member_state__alpha2", models.F("since").asc(nulls_first=True)]
        verbose_name = _("membership of a development group")
        verbose_name_plural = _("memberships of development groups")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member_state", "since"],
                name="group_membership_unique_start",
                violation_error_message=_("This state already has a period in this group beginning on that date."),
            ),
            models.UniqueConstraint(
                fields=["group", "member_state"],
                condition=models.Q(since__isnull=True),
                name="group_membership_one_unknown_start",
                violation_error_message=_(
                    "This state already has a period in this group beginning at an unknown date."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(since__isnull=True)
                | models.Q(until__isnull=True)
                | models.Q(until__gt=models.F("since")),
                name="group_membership_ends_after_it_begins",
                violation_error_message=_("A membership ends after it begins."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_state.alpha2} in {self.group.code} ({self.since or '…'} – {self.until or '…'})"


class OrganizationKind(models.TextChoices):
    SECTOR_MEMBER = "sector_member", _("Sector Member")
    ASSOCIATE = "associate", _("Associate")
    ACADEMIA = "academia", _("Academia")
    INTERNATIONAL = "international", _("International organization")
    REGIONAL = "regional", _("Regional organization")
    GEOSPATIAL = "geospatial", _("Geospatial and information service provider")
    OTHER = "other", _("Other ICT stakeholder")


class Organization(models.Model):
    """An organization that takes part: ITU Sector Members, Associates and Academia, international
    and regional organizations, and "relevant ICT stakeholders, including geospatial and
    information service providers" (the resolution's words)."""

    name = models.CharField(_("name"), max_length=200, unique=True, help_text=_("As the organization writes it."))
    name_language = models.CharField(_("language of the name"), max_length=10, choices=settings.LANGUAGES, default="en")
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    # Official names; empty where the organization has none in the language (its own name is shown there).
    name_ar = models.CharField(_("official name in Arabic"), max_length=200, blank=True)
    name_en = models.CharField(_("official name in English"), max_length=200, blank=True)
    name_es = models.CharField(_("official name in Spanish"), max_length=200, blank=True)
    name_fr = models.CharField(_("official name in French"), max_length=200, blank=True)
    name_ru = models.CharField(_("official name in Russian"), max_length=200, blank=True)
    name_zh = models.CharField(_("official name in Chinese"), max_length=200, blank=True)
    acronyms = models.JSONField(
        _("acronyms in other languages"),
        default=dict,
        blank=True,
        help_text=_('Where the official acronym differs from the own one, by language: {"fr": "UIT"}.'),
    )
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    country = models.ForeignKey(
        MemberState,
        verbose_name=_("headquarters"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
    )
    region = models.CharField(
        _("BDT region served"),
        max_length=20,
        choices=BDTRegion.choices,
        blank=True,
        help_text=_("For regional organizations: the region they serve."),
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("In English."))
    descriptions = models.JSONField(
        _("description in other languages"),
        default=dict,
        blank=True,
        help_text=_('By language: {"fr": "…", "ru": "…"}.'),
    )
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo data made up to show the platform; never counted in reports."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.label_and_language()[0]

    def get_absolute_url(self) -> str:
        return reverse("countries:organization_detail", args=[self.slug])

    def name_and_language(self, language: str | None = None) -> tuple[str, str]:
        """The official name in ``language`` (default: the reader's), or the organization's own name where it
        has none, with the language the name is in."""
        language = active_language(language)
        official = getattr(self, name_column(language))
        return (official, language) if official else (self.name, self.name_language)

    def acronym_in(self, language: str) -> str:
        return (self.acronyms or {}).get(language) or self.acronym

    def label_and_language(self, language: str | None = None) -> tuple[str, str]:
        """ "Union internationale des télécommunications (UIT)": the name and acronym shown, with their language."""
        name, shown_in = self.name_and_language(language)
        acronym = self.acronym_in(shown_in)
        if not acronym or acronym == name:
            return name, shown_in
        return (f"{name}（{acronym}）" if shown_in == "zh-hans" else f"{name} ({acronym})"), shown_in

    def description_and_language(self, language: str | None = None) -> tuple[str, str]:
        """The description in ``language`` (default: the reader's), or the English one, with its language."""
        language = active_language(language)
        text = (self.descriptions or {}).get(language) if language != "en" else ""
        return (text, language) if text else (self.description, "en")

    @property
    def localized_name(self) -> str:
        return self.name_and_language()[0]

    @property
    def localized_acronym(self) -> str:
        return self.acronym_in(self.name_and_language()[1])

    @property
    def official_names(self) -> list[tuple[str, str, str]]:
        """``(language code, the language's own name, the official name or "")`` in the six languages."""
        return [
            (language, get_language_info(language)["name_local"], getattr(self, "name_" + suffix))
            for language, suffix in NAME_COLUMNS.items()
        ]


class ContactFunction(models.TextChoices):
    """What a point of contact is reached for (after the UN Global Intergovernmental Points of Contact
    Directory's functions)."""

    POLICY = "policy", _("Policy")
    CIRT = "cirt", _("CIRT and technical")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    REGULATOR = "regulator", _("Regulator")
    ASSISTANCE = "assistance", _("Assistance")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            _("%(zone)s is not a time zone of the IANA database (e.g. Africa/Nairobi, America/Bogota, UTC).")
            % {"zone": value}
        )


def validate_language_codes(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the languages as a list of language codes, such as en, fr, sw."))
    unknown = []
    for code in value:
        try:
            Locale.parse(code.replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            unknown.append(code)
    if unknown:
        raise ValidationError(_("Unknown language codes: %(codes)s.") % {"codes": ", ".join(unknown)})


#: The markings a contact may carry: the signed-in community, or the owner's own members and the curators.
CONTACT_MARKINGS = (TLP.GREEN, TLP.AMBER_STRICT)


class Contact(Shareable):
    """A named person to reach in a Member State or an organization, for one function.

    Who sees a contact is the one access rule's (``visible_to``): TLP:GREEN, every signed-in member (the
    default), or TLP:AMBER+STRICT, the owner's own members and the curators, where the person asks. A contact
    is never exported, fed, sent over TAXII or shown to a reader who is not signed in. A state's institutional
    addresses (authority, CIRT, strategy) stay on its public page.
    """

    tlp = models.CharField(_("TLP marking"), max_length=20, choices=TLP.choices, default=TLP.GREEN)
    lifecycle = models.CharField(_("state"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.PUBLISHED)
    function = models.CharField(_("function"), max_length=20, choices=ContactFunction.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(pgettext_lazy("a person's job", "position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("telephone"), max_length=40, blank=True, help_text=_("With the country code: +254 …"))
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        validators=[validate_language_codes],
        help_text=_("The languages the person works in (language codes)."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone], help_text=_("As the IANA database names it.")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    last_confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)

    class Meta(Shareable.Meta):
        ordering = ["function", "name", "id"]
        verbose_name = _("point of contact")
        verbose_name_plural = _("points of contact")
        constraints = [
            *Shareable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(tlp__in=CONTACT_MARKINGS),
                name="contact_green_or_amber_strict",
                violation_error_message=_("A point of contact is marked TLP:GREEN or TLP:AMBER+STRICT."),
            ),
            models.CheckConstraint(
                condition=models.Q(lifecycle=Lifecycle.PUBLISHED),
                name="contact_published",
                violation_error_message=_("A point of contact is listed as soon as it is added."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_function_display()})"

    @property
    def owner(self) -> MemberState | Organization:
        owner = self.owner_state or self.owner_organization
        assert owner is not None  # noqa: S101 (the one-owner constraint)
        return owner


class ReachabilityRound(models.Model):
    """A curator asks the points of contact of all or some Member States to confirm that they answer (after the UN
    Global Intergovernmental Points of Contact Directory's "pings"); each contact gets an e-mail with a one-time
    link (:class:`ReachabilityCheck`)."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    states = models.ManyToManyField(
        MemberState, verbose_name=_("Member States"), blank=True, related_name="+", help_text=_("None: all of them.")
    )
    include_organizations = models.BooleanField(_("organizations' contacts too"), default=False)
    message = models.TextField(_("message"), blank=True, help_text=_("Added to the e-mail, in your words."))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("reachability round")
        verbose_name_plural = _("reachability rounds")

    def __str__(self) -> str:
        return gettext("Reachability round of %(date)s") % {"date": self.started_at.date().isoformat()}

    def get_absolute_url(self) -> str:
        return reverse("countries:round_detail", args=[self.pk])


class ReachabilityCheck(models.Model):
    """One contact asked in one round: the e-mail sent, and when the contact confirmed. The contact's name,
    address and owner are kept as they were asked, so the round's figures stand when a contact is removed."""

    round = models.ForeignKey(ReachabilityRound, on_delete=models.CASCADE, related_name="checks")
    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="checks")
    contact_name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    function = models.CharField(_("function"), max_length=20, choices=ContactFunction.choices)
    owner_state = models.ForeignKey(MemberState, null=True, on_delete=models.PROTECT, related_name="+")
    owner_organization = models.ForeignKey(Organization, null=True, on_delete=models.PROTECT, related_name="+")
    #: SHA-256 of the link's secret, made when the e-mail is sent (the secret itself is only in the e-mail)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    send_error = models.TextField(_("sending failed"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["owner_state__name_en", "owner_organization__name", "contact_name", "id"]

    def __str__(self) -> str:
        return f"{self.contact_name} ({self.round})"

    @property
    def owner(self) -> MemberState | Organization | None:
        return self.owner_state or self.owner_organization

    @property
    def hours_to_answer(self) -> float | None:
        if self.confirmed_at is None or self.sent_at is None:
            return None
        return max(0.0, (self.confirmed_at - self.sent_at).total_seconds() / 3600)
