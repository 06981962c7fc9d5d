from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "clearinghouse.assistance"
    label = "assistance"
    verbose_name = _("Assistance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clearinghouse.assistance import services
        from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest
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
