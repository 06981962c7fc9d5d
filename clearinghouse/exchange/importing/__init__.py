"""STIX 2.1 in: a bundle (or a TAXII envelope) becomes catalogue drafts in review, never published.

:func:`import_bundle` reads the bytes (:mod:`.reading`), checks every object (:mod:`.checking`: its own checks,
the ``stix2`` object model is 50 times slower than ``json.loads``), then plans (:mod:`.planning`), maps
(:mod:`.mapping`) and writes (:mod:`.writing`) in one transaction, and reports (:mod:`.reporting`):

- a ``course-of-action`` with this platform's extension → a measure with all its properties; one whose
  external reference is ``Clearinghouse 174`` / ``technology-<slug>`` → a technology; any other (MITRE
  ATT&CK mitigations…) → a measure of the technical pillar, summarised from its first sentences;
- ``mitigates`` → the threat of our taxonomy it names, or a reference to the technique (ATT&CK or any
  ``attack-pattern``); ``related-to`` a technology → the technology the measure uses;
- ``language-content`` → translations in the platform's languages;
- everything else is kept (``ImportedObject``) but not mapped, and listed with the reason.

Invalid STIX stores nothing but the :class:`ImportRun` that says why. TLP:RED objects are refused one by
one. Each version of an object is taken in once (id and ``modified``): the same version again changes
nothing, a newer one updates the record it became (back to review, the older content kept in its history),
an older one is kept as history only. New records are written in bulk (``catalog.services.import_measures``):
a bundle of 100,000 objects takes seconds.
"""

from clearinghouse.exchange.importing import outcomes
from clearinghouse.exchange.importing.reading import Refused, read_bundle, size_problem
from clearinghouse.exchange.importing.running import import_bundle

__all__ = ["Refused", "import_bundle", "outcomes", "read_bundle", "size_problem"]
