"""A shareable record used only by the tests of the visibility rule."""

from django.db import models

from clearinghouse.core.models import Shareable


class Note(Shareable):
    """A stand-in for a measure: a title, a TLP marking, an owner, a lifecycle state."""

    title = models.CharField(max_length=100)

    class Meta(Shareable.Meta):
        app_label = "testapp"

    def __str__(self) -> str:
        return self.title
