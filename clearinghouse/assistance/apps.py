from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: How many of a state's requests, and of its offers, its page lists.
STATE_PAGE_ITEMS = 50
#: The row of the stamp table (``core.pagecache``) that changes with every write that can alter a match.
MATCHING_STAMP_ROW = 2


class AssistanceConfig(AppConfig):
    name = "clearinghouse.assistance"
    label = "assistance"
    verbose_name = _("Assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Engagement
        from clearinghouse.catalog.models import Pillar, Threat
        from clearinghouse.core.pagecache import register_area
        from clearinghouse.countries.models import GroupMembership, MemberState

        # what the matching's indexes are made of (``matching._Kept``): requests, offers, their threats and
        # pillars, engagements (capacity and record), states (region) and their dated groups, threats' families,
        # the names of threats and pillars
        models = [AssistanceRequest, AssistanceOffer, Engagement, GroupMembership, MemberState, Threat, Pillar]
        through = [model.threats.through for model in (AssistanceRequest, AssistanceOffer)] + [
            model.pillars.through for model in (AssistanceRequest, AssistanceOffer)
        ]
        register_area("matching", MATCHING_STAMP_ROW, tuple(m._meta.db_table for m in models + through))

        from clearinghouse.assistance import services
        from clearinghouse.catalog.selectors import RecordType, register_record_type

        # requests and offers go to translators as measures do: the dashboard, XLIFF out and back (docs/assistance.md)
        register_record_type(
            "assistance-request",
            AssistanceRequest,
            RecordType(
                "title",
                ("title", "need"),
                _("Requests for assistance"),
                "assistance_request",
                lambda record: services._translations_changed(record),
            ),
        )
        register_record_type(
            "assistance-offer",
            AssistanceOffer,
            RecordType(
                "title",
                ("title", "description"),
                _("Offers of assistance"),
                "assistance_offer",
                lambda record: services._translations_changed(record),
            ),
        )

        from clearinghouse.assistance import selectors
        from clearinghouse.countries.models import MemberState as State
        from clearinghouse.countries.profile import Section, register_section

        # an owner's page: a state's requests and its offers, an organization's offers, those the reader may see,
        # briefly (the assistance pages list them all)
        def owner_records(owner: Any, user: Any) -> dict[str, Any]:
            if isinstance(owner, State):
                requests = selectors.requests_of_state(owner, user)[:STATE_PAGE_ITEMS]
                offers = selectors.offers_of_state(owner, user)[:STATE_PAGE_ITEMS]
                return {"assistance_requests": requests, "assistance_offers": offers, "offers_filter": "state"}
            offers = selectors.offers_of_organization(owner, user)[:STATE_PAGE_ITEMS]
            return {"assistance_requests": [], "assistance_offers": offers, "offers_filter": "organization"}

        register_section(Section("assistance", "assistance/_state_records.html", owner_records, order=60))
