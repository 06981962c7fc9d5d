"""TLP 2.0 and ownership: the one rule that decides who sees a record, on every channel.

DOMAIN.md, "Sharing markings and who sees what". Pages, the API, search, feeds, exports,
TAXII, reports and statistics all start from :meth:`ShareableQuerySet.visible_to`; nothing
else in the code base decides visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _


class TLP(models.TextChoices):
    """FIRST Traffic Light Protocol 2.0 markings, from widest to narrowest audience."""

    CLEAR = "clear", _("TLP:CLEAR")
    GREEN = "green", _("TLP:GREEN")
    AMBER = "amber", _("TLP:AMBER")
    AMBER_STRICT = "amber+strict", _("TLP:AMBER+STRICT")
    RED = "red", _("TLP:RED")


class Lifecycle(models.TextChoices):
    """Where a contributed record stands between its owner's draft and withdrawal."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Markings that may leave the platform (exports, feeds, TAXII, reports, statistics).
EXPORTABLE_TLP = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


@dataclass(frozen=True)
class Viewer:
    """What the visibility rule needs to know of a person: nothing else is consulted."""

    user_id: int | None
    member_state_id: int | None
    organization_id: int | None
    is_curator: bool

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @classmethod
    def of(cls, user: Any) -> Viewer:
        if isinstance(user, Viewer):
            return user
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls(None, None, None, False)
        return cls(
            user_id=user.pk,
            member_state_id=getattr(user, "member_state_id", None),
            organization_id=getattr(user, "organization_id", None),
            is_curator=bool(getattr(user, "is_curator", False)),
        )

    @classmethod
    def audience(cls, *, member_state_id: int | None = None, organization_id: int | None = None) -> Viewer:
        """Any signed-in member, or any member of one state or organization, rather than one person: what
        such a member sees, less what is shared with named people (a TAXII collection's audience)."""
        return cls(user_id=0, member_state_id=member_state_id, organization_id=organization_id, is_curator=False)


class ShareableQuerySet(models.QuerySet):
    """Querysets of :class:`clearinghouse.core.models.Shareable` records."""

    def _shared_with(self, field: str, target_id: int, through: str = "") -> Exists:
        m2m: Any = self.model._meta.get_field(field)
        return Exists(
            m2m.remote_field.through.objects.filter(
                **{
                    f"{m2m.m2m_field_name()}_id": OuterRef(f"{through}pk"),
                    f"{m2m.m2m_reverse_field_name()}_id": target_id,
                }
            )
        )

    def visibility_condition(self, user: Any, *, through: str = "") -> Q:
        """The rule as one ``Q``, for callers that combine it with other conditions.

        ``through`` applies it to the records a query reaches through a relation (``"measure__"`` from a
        model with a foreign key to measures): the same rule, joined rather than as a subquery."""
        viewer = Viewer.of(user)

        def on(**lookups: Any) -> Q:
            return Q(**{f"{through}{name}": value for name, value in lookups.items()})

        published = on(lifecycle=Lifecycle.PUBLISHED)
        if viewer.is_anonymous:
            return published & on(tlp=TLP.CLEAR)

        own = on(pk__in=[])
        if viewer.member_state_id is not None:
            own |= on(owner_state_id=viewer.member_state_id)
        if viewer.organization_id is not None:
            own |= on(owner_organization_id=viewer.organization_id)

        need_to_know = on(pk__in=[])
        if viewer.member_state_id is not None:
            need_to_know |= Q(self._shared_with("shared_with_states", viewer.member_state_id, through))
        if viewer.organization_id is not None:
            need_to_know |= Q(self._shared_with("shared_with_organizations", viewer.organization_id, through))

        named = Q(self._shared_with("shared_with_users", viewer.user_id or 0, through))
        not_red = ~on(tlp=TLP.RED)
        in_review = on(lifecycle__in=[Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW])

        community = published & on(tlp__in=[TLP.CLEAR, TLP.GREEN])
        amber = published & on(tlp=TLP.AMBER) & (own | need_to_know)
        strict = published & on(tlp=TLP.AMBER_STRICT) & own
        unpublished_own = ~published & own & not_red
        # TLP:RED is for named people at every stage; before publication and after withdrawal, only those
        # named who belong to the owner (and, while it is reviewed, the curators the owner named)
        red_reach = published | own | (in_review if viewer.is_curator else on(pk__in=[]))
        red = on(tlp=TLP.RED) & named & red_reach
        rule = community | amber | strict | unpublished_own | red
        if viewer.is_curator:
            in_the_secretariat_s_hands = in_review | on(lifecycle__in=[Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN])
            rule |= in_the_secretariat_s_hands & not_red
        return rule

    @staticmethod
    def exportable_condition(*, through: str = "") -> Q:
        """Published and not TLP:RED, as one ``Q`` (``through`` as in :meth:`visibility_condition`)."""
        return Q(**{f"{through}lifecycle": Lifecycle.PUBLISHED, f"{through}tlp__in": EXPORTABLE_TLP})

    def visible_to(self, user: Any) -> ShareableQuerySet:
        """The records this user may see: lists, details, search, exports and counts all start here."""
        return self.filter(self.visibility_condition(user))

    def exportable(self) -> ShareableQuerySet:
        """Published records that may leave the platform at all (TLP:RED never does)."""
        return self.filter(self.exportable_condition())


# -- the same rule as audience terms, for the search index ----------------------------------------------
#
# A search index cannot run the rule's SQL, so each record is filed under the audiences that may see it
# and each viewer holds the audiences they belong to: a viewer sees a record when the two sets meet. The
# clauses below follow :meth:`ShareableQuerySet.visibility_condition` one by one; a property test over
# random records and viewers holds them to it (core/tests/test_audiences.py).


@dataclass(frozen=True)
class Sharing:
    """What the rule reads of one record."""

    tlp: str
    lifecycle: str
    owner_state_id: int | None
    owner_organization_id: int | None
    shared_with_states: frozenset[int] = frozenset()
    shared_with_organizations: frozenset[int] = frozenset()
    shared_with_users: frozenset[int] = frozenset()


def _owner_terms(state_id: int | None, organization_id: int | None) -> set[str]:
    terms = set()
    if state_id is not None:
        terms.add(f"state:{state_id}")
    if organization_id is not None:
        terms.add(f"org:{organization_id}")
    return terms


def record_audiences(record: Sharing) -> set[str]:
    """The audiences that may see the record (``anyone``, ``member``, ``state:3``, ``user:7@org:2``…)."""
    published = record.lifecycle == Lifecycle.PUBLISHED
    in_review = record.lifecycle in (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW)
    own = _owner_terms(record.owner_state_id, record.owner_organization_id)
    terms: set[str] = set()
    if record.tlp == TLP.RED:
        for user_id in record.shared_with_users:
            if published:
                terms.add(f"user:{user_id}")
            else:  # named and a member of the owner (or, in review, named and a curator)
                terms |= {f"user:{user_id}@{term}" for term in own}
                if in_review:
                    terms.add(f"curator:{user_id}")
        return terms
    if published and record.tlp == TLP.CLEAR:
        terms.add("anyone")
    if published and record.tlp in (TLP.CLEAR, TLP.GREEN):
        terms.add("member")
    if published and record.tlp == TLP.AMBER:
        terms |= own
        terms |= {f"state:{pk}" for pk in record.shared_with_states}
        terms |= {f"org:{pk}" for pk in record.shared_with_organizations}
    if not published or record.tlp == TLP.AMBER_STRICT:
        terms |= own
    if in_review or record.lifecycle in (Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
        terms.add("curator")
    return terms


def viewer_audiences(user: Any) -> set[str]:
    """The audiences a viewer belongs to (an anonymous reader: ``anyone`` only)."""
    viewer = Viewer.of(user)
    if viewer.is_anonymous:
        return {"anyone"}
    own = _owner_terms(viewer.member_state_id, viewer.organization_id)
    terms = {"anyone", "member", *own, f"user:{viewer.user_id}"}
    terms |= {f"user:{viewer.user_id}@{term}" for term in own}
    if viewer.is_curator:
        terms |= {"curator", f"curator:{viewer.user_id}"}
    return terms
