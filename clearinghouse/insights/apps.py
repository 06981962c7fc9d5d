from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Read-only analytics over the other apps' records (DESIGN.md §3, floor 5): a Member State's profile."""

    name = "clearinghouse.insights"
    label = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clearinghouse.countries.profile import Section, register_section
        from clearinghouse.insights import selectors

        # a state's page: its measures by pillar and threat, the technologies they use, their years, its activities
        register_section(Section("measures", "insights/_state_profile.html", selectors.state_profile, order=40))
