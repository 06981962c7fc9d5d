"""What an import received, kept as received: each object's JSON text, one a line, in one Zstandard-compressed
archive per run (:class:`~clearinghouse.exchange.models.ImportArchive`), and where each object's text lies in it
(``ImportedObject.offset`` and ``length``, in bytes of the decompressed archive).

One compressed row instead of a row per text: a 100,000-object bundle of 80 MB is kept in 13 MB, written at once,
and compressing it takes 0.15 s (beside the import's other work, on another core: Zstandard releases the GIL).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import zstandard

#: Zstandard's fastest level: six times smaller; the higher levels save a few percent more at twice the time.
LEVEL = 1


def pack(texts: Sequence[str]) -> tuple[bytes, list[tuple[int, int]]]:
    """The texts as one archive, decompressed, and each text's (offset, length) in it."""
    joined = "\n".join(texts)
    spans = []
    offset = 0
    plain = joined.isascii()  # (the usual case: then a character is a byte, and nothing is encoded twice)
    for text in texts:
        length = len(text) if plain else len(text.encode())
        spans.append((offset, length))
        offset += length + 1
    return joined.encode(), spans


def compress(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=LEVEL).compress(data)


class Compression:
    """``data`` compressed on another thread (Zstandard releases the GIL, so it runs on another core while the
    import goes on); :meth:`result` waits for it."""

    def __init__(self, data: bytes) -> None:
        self.size = len(data)
        self._result = b""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(data,), name="stix-archive", daemon=True)
        self._thread.start()

    def _run(self, data: bytes) -> None:
        try:
            self._result = compress(data)
        except BaseException as error:  # noqa: BLE001 (raised again by result(), on the importing thread)
            self._error = error

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def decompress(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data)


class Reader:
    """Reads objects from the archives of earlier runs, each archive decompressed once."""

    def __init__(self) -> None:
        self._archives: dict[uuid.UUID, bytes] = {}

    def text(self, run_id: uuid.UUID, offset: int, length: int) -> str:
        """The text of the object at ``offset``, or "" when the run kept no archive."""
        from clearinghouse.exchange.models import ImportArchive

        if run_id not in self._archives:
            row = ImportArchive.objects.filter(run_id=run_id).values_list("data", flat=True).first()
            self._archives[run_id] = decompress(bytes(row)) if row is not None else b""
        return self._archives[run_id][offset : offset + length].decode()
