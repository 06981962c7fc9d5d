"""STIX 2.1 in, the limits: JSON nested too deeply and bundles too large are refused plainly on every channel
(upload page, TAXII POST, the command line, the import itself), and nothing is stored."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from clearinghouse.catalog.models import Measure, MeasureVersion
from clearinghouse.core.testing import client_for
from clearinghouse.exchange import importing
from clearinghouse.exchange.importing.reading import MAX_DEPTH
from clearinghouse.exchange.models import ImportArchive, ImportedObject, ImportRun
from clearinghouse.exchange.tests.test_import import unmarked_course_of_action as course_of_action
from clearinghouse.exchange.tests.test_taxii import KENYA, Taxii, post

pytestmark = pytest.mark.django_db

TOO_DEEP = "The JSON is nested too deeply"
#: 100,000 levels: far deeper than Python's own stack.
ARRAYS = b"[" * 100_000 + b"]" * 100_000
OBJECTS = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _level in range(levels):
        value = {"a": [value]} if _level % 2 else [value]
    return value


def deep_bundle(levels: int) -> bytes:
    """A bundle whose second object nests ``levels`` levels inside one of its properties."""
    text = '"' + "x" * 10 + '"'
    for level in range(levels):
        text = f'{{"a": {text}}}' if level % 2 else f"[{text}]"
    objects = [json.dumps(course_of_action()), json.dumps(course_of_action())[:-1] + f', "x_deep": {text}}}']
    return f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [{", ".join(objects)}]}}'.encode()


def stored() -> tuple[int, int, int, int]:
    return (
        Measure.objects.count(),
        MeasureVersion.objects.count(),
        ImportedObject.objects.count(),
        ImportArchive.objects.count(),
    )


def bundle_around(inner: bytes) -> bytes:
    return b'{"type": "bundle", "id": "bundle--' + str(uuid.uuid4()).encode() + b'", "objects": [' + inner + b"]}"


@pytest.mark.parametrize(
    "raw",
    [ARRAYS, OBJECTS, bundle_around(ARRAYS), bundle_around(OBJECTS)],
    ids=["arrays", "objects", "arrays-in-a-bundle", "objects-in-a-bundle"],
)
def test_json_nested_far_too_deeply_is_refused_by_the_import_and_stores_nothing(personas, raw):
    report = importing.import_bundle(raw, actor=personas.alice, source="upload", origin="deep.json")

    assert report.status == "failed" and report.report["errors"][0].startswith(TOO_DEEP)
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 20, 5_000])
def test_an_object_nested_deeply_inside_one_property_is_refused_before_any_later_stage(personas, levels):
    report = importing.import_bundle(deep_bundle(levels), actor=personas.alice, source="upload", origin="d.json")

    assert report.status == "failed"
    assert "nested too deeply" in report.report["errors"][0]
    assert stored() == (0, 0, 0, 0)


def test_an_object_nested_deeply_through_the_standard_library_s_reader_is_refused_too(personas):
    # an object the quick reader leaves to json.loads (a key repeated at the top): no spans, walked as parsed
    raw = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": []})[:-1]
    raw += ', "objects": ' + json.dumps([course_of_action(x_deep=nested(MAX_DEPTH + 5))]) + "}"

    report = importing.import_bundle(raw.encode(), actor=personas.alice, source="upload", origin="d.json")

    assert report.status == "failed" and "nested too deeply" in report.report["errors"][0]
    assert stored() == (0, 0, 0, 0)


def test_a_bundle_nesting_as_deep_as_stix_does_is_taken_in(personas):
    report = importing.import_bundle(deep_bundle(MAX_DEPTH - 10), actor=personas.alice, source="upload")
    assert report.status == "complete" and report.created_count == 2


@pytest.mark.parametrize("raw", [ARRAYS, OBJECTS], ids=["arrays", "objects"])
def test_the_upload_page_answers_400_to_json_nested_too_deeply(personas, raw):
    response = client_for(personas.alice).post(
        "/en/exchange/imports/new/", {"file": SimpleUploadedFile("deep.json", raw)}
    )
    assert response.status_code == 400 and TOO_DEEP in response.content.decode()
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize("raw", [ARRAYS, OBJECTS], ids=["arrays", "objects"])
def test_a_taxii_post_nested_too_deeply_gets_a_400_naming_the_problem(personas, raw):
    response = post(Taxii(personas.alice), KENYA, b'{"objects": [' + raw + b"]}")

    assert response.status_code == 400 and TOO_DEEP in response.data["description"]
    assert stored() == (0, 0, 0, 0)


def test_the_command_refuses_json_nested_too_deeply(personas, tmp_path: Path):
    path = tmp_path / "deep.json"
    path.write_bytes(ARRAYS)

    with pytest.raises(CommandError, match=f"Nothing was imported. {TOO_DEEP}") as refused:
        call_command("import_stix", str(path), "--owner-state", "KE")

    assert refused.value.returncode == 1
    assert stored() == (0, 0, 0, 0)


def test_the_command_refuses_a_file_over_the_upload_page_s_limit_unread(personas, tmp_path: Path, settings):
    settings.STIX_IMPORT_MAX_BYTES = 1000
    path = tmp_path / "large.json"
    path.write_bytes(
        json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": []}).ljust(1001).encode()
    )

    with pytest.raises(CommandError, match=r"nothing was imported. The bundle is 1,001 bytes; the limit is 1,000") as e:
        call_command("import_stix", str(path), "--owner-state", "KE")

    assert e.value.returncode == 1
    assert stored() == (0, 0, 0, 0) and not ImportRun.objects.exists()
    # the upload page refuses the same file, by the same setting
    response = client_for(personas.alice).post(
        "/en/exchange/imports/new/", {"file": SimpleUploadedFile("large.json", path.read_bytes())}
    )
    assert response.status_code == 400 and "the limit is 1,000 bytes" in response.content.decode()
