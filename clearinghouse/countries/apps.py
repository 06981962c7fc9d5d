from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountriesConfig(AppConfig):
    name = "clearinghouse.countries"
    label = "countries"
    verbose_name = _("Member States and organizations")
    default_auto_field = "django.db.models.BigAutoField"
