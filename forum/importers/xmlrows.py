"""Streaming, defensive reading of ``<row .../>`` XML files (Stack Exchange dumps).

* defusedxml refuses DTDs, entity declarations and external references, so a "billion
  laughs" or external-entity file is refused before it expands.
* A file is read through ``_RowSizeGuard``: no attribute value may contain a raw ``<``, so
  a run of bytes without ``<`` longer than ``max_row_bytes`` means an oversized row, and
  reading stops *before* the parser has buffered it all.
* Attributes longer than ``max_attribute_chars`` (but under the row limit) make only that
  row malformed: it is reported and skipped.
* Rows are cleared as soon as they are handed out, so memory stays flat on large dumps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

# Big enough for any real post (Stack Overflow caps bodies at 30,000 characters, which
# escape to at most ~180 KB), small enough that a hostile file cannot exhaust memory.
MAX_ROW_BYTES = 2 * 1024 * 1024
MAX_ATTRIBUTE_CHARS = 256 * 1024


class XmlFileRefused(Exception):
    """The file as a whole cannot be read safely (bomb, oversized row, broken XML)."""


@dataclass(frozen=True)
class MalformedRow:
    """A row that was read but cannot be used; ``reason`` goes into the import summary."""

    reason: str
    row_id: str = ""


class _RowSizeGuard:
    def __init__(self, raw: BinaryIO, *, max_row_bytes: int) -> None:
        self._raw = raw
        self._max = max_row_bytes
        self._since_tag_open = 0
        self.bytes_read = 0

    def _refuse(self) -> None:
        raise XmlFileRefused(
            f"a row is larger than {self._max:,} bytes (near byte {self.bytes_read:,}); "
            "refusing to read it"
        )

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.bytes_read += len(data)
        first_open = data.find(b"<")
        if first_open == -1:
            self._since_tag_open += len(data)
        else:
            if self._since_tag_open + first_open > self._max:
                self._refuse()
            # A whole oversized row inside one chunk (only when chunks exceed the limit).
            if len(data) > self._max and max(map(len, data.split(b"<"))) > self._max:
                self._refuse()
            self._since_tag_open = len(data) - data.rfind(b"<") - 1
        if self._since_tag_open > self._max:
            self._refuse()
        return data


def iter_rows(
    path: Path,
    *,
    max_row_bytes: int = MAX_ROW_BYTES,
    max_attribute_chars: int = MAX_ATTRIBUTE_CHARS,
) -> Iterator[dict[str, str] | MalformedRow]:
    """Yield each ``<row>``'s attributes, or a ``MalformedRow`` for one that is unusable.

    Raises ``XmlFileRefused`` for a file that cannot be read safely; rows yielded before
    that point were valid and may already have been used.
    """
    with path.open("rb") as raw:
        guarded = _RowSizeGuard(raw, max_row_bytes=max_row_bytes)
        root = None
        try:
            for event, elem in iterparse(
                guarded, events=("start", "end"), forbid_dtd=True, forbid_entities=True
            ):
                if event == "start":
                    if root is None:
                        root = elem
                    continue
                if elem is root:
                    break
                if elem.tag != "row":
                    elem.clear()
                    continue
                attrs = dict(elem.attrib)
                elem.clear()
                root.clear()  # drop the finished row from the tree: flat memory
                too_long = next((k for k, v in attrs.items() if len(v) > max_attribute_chars), None)
                if too_long:
                    yield MalformedRow(
                        f"attribute {too_long} longer than {max_attribute_chars:,} characters",
                        attrs.get("Id", ""),
                    )
                    continue
                yield attrs
        except DefusedXmlException as exc:
            raise XmlFileRefused(f"unsafe XML refused ({type(exc).__name__})") from exc
        except ParseError as exc:
            raise XmlFileRefused(f"not well-formed XML: {exc}") from exc


# --- Values of a row (shared by the importers) ------------------------------------------------


def parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_date(value: str | None) -> datetime | None:
    """SE dates are UTC without a zone: ``2014-01-21T20:26:05.383``."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def batched[T](rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Like ``itertools.batched``, but lists (callers extend and slice them)."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
