from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "clearinghouse.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, setting_changed
        from django.db.models.signals import post_migrate, pre_migrate

        from clearinghouse.core.statistics import keep_current

        pre_migrate.connect(_remove_triggers, sender=self, dispatch_uid="core.pagecache.no_triggers")
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="core.pagecache.triggers")
        setting_changed.connect(_forget_pages, dispatch_uid="core.pagecache.settings")
        request_finished.connect(keep_current, dispatch_uid="core.statistics")


def _remove_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Migrations run without the content triggers (see ``pagecache``): on PostgreSQL a migration that changes
    rows and then alters their table would otherwise find the triggers' deferred events pending."""
    from django.db import connections

    from clearinghouse.core.pagecache import remove_triggers

    remove_triggers(connections[using])


def _install_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate, every table has its content trigger again, and the stamp is new: whatever the
    migrations changed, nothing kept before is served after."""
    from django.db import connections

    from clearinghouse.core.pagecache import install_triggers

    install_triggers(connections[using], new_stamp=True)


def _forget_pages(**kwargs: Any) -> None:
    """A changed setting (tests override them) may change any page: nothing kept before it is served after."""
    from django.core.cache import caches

    caches["pages"].clear()
