from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "clearinghouse.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clearinghouse.catalog.search import indexing

        indexing.follow_audit_log()  # the search state follows audited changes to reference records
