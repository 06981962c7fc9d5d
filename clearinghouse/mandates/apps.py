from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    name = "clearinghouse.mandates"
    label = "mandates"
    verbose_name = _("Mandates and activities")
    default_auto_field = "django.db.models.BigAutoField"
