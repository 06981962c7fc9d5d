from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "clearinghouse.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="core.pagecache.triggers")
        setting_changed.connect(_forget_pages, dispatch_uid="core.pagecache.settings")


def _install_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate, tables added since have their content triggers too (see ``pagecache``)."""
    from django.db import connections

    from clearinghouse.core.pagecache import install_triggers

    install_triggers(connections[using])


def _forget_pages(**kwargs: Any) -> None:
    """A changed setting (tests override them) may change any page: nothing kept before it is served after."""
    from django.core.cache import caches

    caches["pages"].clear()
