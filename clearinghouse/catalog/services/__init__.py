"""Every change to the catalogue: drafting, the review workflow, versions, translations, attachments.

draft → submitted → in review → published → withdrawn; a curator may send a submitted or
in-review measure back to draft with a comment. Each service runs in one transaction, writes
the audit row, saves a version snapshot and refreshes the search index.

By stage: ``drafting`` (who may draft and edit, versions), ``workflow`` (the transitions), ``translations``
(and ``outdating``), ``attachments``, ``technologies``, ``taxonomy`` (names in six languages, synonyms),
``imports`` (what ``exchange.importing`` writes).
"""

from clearinghouse.catalog.services.attachments import DOCX, EXTENSIONS, attach_file, detect_type
from clearinghouse.catalog.services.drafting import (
    EDITABLE_FIELDS,
    M2M_FIELDS,
    EditConflict,
    InvalidTransition,
    can_edit,
    create_measure,
    is_member_of_owner,
    owner_for,
    snapshot,
    update_measure,
)
from clearinghouse.catalog.services.imports import (
    ImportedDraft,
    MeasureImport,
    import_measures,
    import_owner,
    import_technology,
    may_import_for,
    measures_imported,
    owner_of,
    update_imported_measure,
    update_imported_technology,
)
from clearinghouse.catalog.services.outdating import refresh_outdated_translations
from clearinghouse.catalog.services.taxonomy import add_threat_synonym, remove_threat_synonym, rename_taxonomy_node
from clearinghouse.catalog.services.technologies import create_technology
from clearinghouse.catalog.services.translations import (
    XliffImport,
    XliffRefused,
    import_xliff,
    may_translate,
    review_translation,
    set_measure_translation,
    set_technology_translation,
    set_translation,
)
from clearinghouse.catalog.services.workflow import (
    publish_measure,
    send_back_measure,
    start_review,
    submit_measure,
    withdraw_measure,
)

__all__ = [
    "DOCX",
    "EDITABLE_FIELDS",
    "EXTENSIONS",
    "M2M_FIELDS",
    "EditConflict",
    "ImportedDraft",
    "InvalidTransition",
    "MeasureImport",
    "XliffImport",
    "XliffRefused",
    "add_threat_synonym",
    "attach_file",
    "can_edit",
    "create_measure",
    "create_technology",
    "detect_type",
    "import_measures",
    "import_owner",
    "import_technology",
    "import_xliff",
    "is_member_of_owner",
    "may_import_for",
    "may_translate",
    "measures_imported",
    "owner_for",
    "owner_of",
    "publish_measure",
    "refresh_outdated_translations",
    "review_translation",
    "remove_threat_synonym",
    "rename_taxonomy_node",
    "send_back_measure",
    "set_measure_translation",
    "set_technology_translation",
    "set_translation",
    "snapshot",
    "start_review",
    "submit_measure",
    "update_imported_measure",
    "update_imported_technology",
    "update_measure",
    "withdraw_measure",
]
