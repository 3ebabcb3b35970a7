"""What a local workbook holds beyond its cells' values, read from its XML: formulas' stored
values, error values, sheet protection, the defined name that marks the history tab and the
sheet-scoped ones keeping each tab's stamp.

openpyxl reads a formula's text or its stored value, never both, and saves formulas without
their values; Excel and LibreOffice recompute on opening, but mixitup reads the stored values.
So a rewrite puts each unchanged formula's stored value back into the saved sheet's XML, and a
read lists the formula cells with no stored value (never computed), for the roster to report.
The values themselves are read by python-calamine, which reads an error such as #N/A as an
empty cell: `package_facts` finds those cells so that a read shows them as the sheet does.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from mixitup.models import column_letter

if TYPE_CHECKING:
    from openpyxl.formula.translate import Translator

Position = tuple[int, int]  # (row, column), 1-based, as the spreadsheet numbers them
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_TEXT_RESULTS = ("str", "inlineStr")  # an empty stored text is a computed "" (e.g. IF(...,""))
# A formula cell as openpyxl writes it: no type, the formula, then an empty value.
_SAVED_FORMULA = re.compile(rb"<c\b[^>]*(?<!/)><f\b.*?</c>", re.DOTALL)
_RESTORABLE = ("n", "str", "b", "e", "d")
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# Markup, not text: a "<" inside a cell's text is always written as "&lt;".
_PROTECTION = re.compile(rb"<(?:[\w.-]+:)?sheetProtection\b([^>]*)>")
_PROTECTED = re.compile(rb"""\bsheet\s*=\s*["'](?:1|true)["']""", re.IGNORECASE)
_DESTINATION = re.compile(r"(?:'((?:[^']|'')+)'|([^'!]+))!")  # 'My tab'!$A:$M or Tab!$A:$M
_TEXT_CONSTANT = re.compile(r'"((?:[^"]|"")*)"')  # a defined name's text value: "a ""b"" c"
_ERROR_CELL = re.compile(rb"""\bt\s*=\s*["']e["']""")


@dataclass(frozen=True)
class _Formula:
    text: str | None  # as openpyxl writes it (no "="); None when unknown
    shape: str  # "" for a plain formula, "array" for an array formula
    kind: str  # the stored value's cell type: "n" (number), "str", "b", "e" (error), "d"
    value: str | None  # the stored value as written in the file; None when never computed


@dataclass(frozen=True)
class PackageFacts:
    """Per tab title (in tab order), what the cell values alone do not say."""

    titles: tuple[str, ...]  # the worksheets, in tab order
    uncomputed: dict[str, frozenset[Position]]  # formula cells never computed
    errors: dict[str, dict[Position, str]]  # cells holding an error value, such as "#N/A"
    protected: frozenset[str]  # tabs whose sheet protection is on
    marked: str | None  # the tab the defined name `marker` points at, if any
    stamps: dict[str, str]  # tab -> the text of its own defined name `stamp`, if it has one


def package_facts(data: bytes, marker: str, stamp: str = "") -> PackageFacts:
    """Read what the cell values alone do not say from the workbook's XML parts.

    `marker` names the workbook's defined name marking the history tab; `stamp` the defined
    name each tab may have of its own (scoped to it by localSheetId) holding a text constant.
    Raises zipfile.BadZipFile, KeyError or ET.ParseError when `data` is no .xlsx workbook.
    """
    uncomputed: dict[str, frozenset[Position]] = {}
    errors: dict[str, dict[Position, str]] = {}
    protected = set()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = _sheet_parts(book)
        for title, part in parts.items():
            xml = book.read(part)
            never, found = _uncomputed_and_errors(xml)
            if never:
                uncomputed[title] = never
            if found:
                errors[title] = found
            protection = _PROTECTION.search(xml)
            if protection and _PROTECTED.search(protection[1]):
                protected.add(title)
        marked = _defined_tab(book, marker)
        stamps = _sheet_texts(book, stamp) if stamp else {}
    return PackageFacts(tuple(parts), uncomputed, errors, frozenset(protected), marked, stamps)


def keep_computed_values(original: bytes, saved: bytes) -> bytes:
    """`saved` with each formula that `original` held, unchanged in place, given its stored value.

    A cell gets its value back only where the saved tab of the same title holds the same formula
    at the same place: a tab mixitup wrote holds no formulas, and a moved formula gets none.
    """
    with zipfile.ZipFile(io.BytesIO(original)) as book:
        computed = {
            title: {
                position: formula
                for position, formula in _formulas(book.read(part))
                if formula.value is not None and formula.kind in _RESTORABLE
            }
            for title, part in _sheet_parts(book).items()
        }
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(saved)) as book,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        parts = {part: computed.get(title, {}) for title, part in _sheet_parts(book).items()}
        for item in book.infolist():
            data = book.read(item)
            if parts.get(item.filename):
                data = _SAVED_FORMULA.sub(partial(_with_value, known=parts[item.filename]), data)
            target.writestr(item, data)
    return out.getvalue()


def _with_value(match: re.Match[bytes], known: dict[Position, _Formula]) -> bytes:
    cell_xml = match[0]
    cell = _xml(cell_xml)
    formula, value = cell.find("f"), cell.find("v")
    stored = known.get(_position(cell.get("r", "")))
    if stored is None or formula is None or value is None or value.text:
        return cell_xml
    if cell.get("t") or (formula.get("t", ""), formula.text or "") != (stored.shape, stored.text):
        return cell_xml
    if stored.kind != "n":
        cell.set("t", stored.kind)
    value.text = stored.value
    return ET.tostring(cell, encoding="unicode").encode()


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Tab title -> the path of its sheet XML inside the .xlsx, in tab order."""
    workbook = _target(book, "_rels/.rels", "officeDocument", "")
    folder, name = posixpath.split(workbook)
    relations = posixpath.join(folder, "_rels", f"{name}.rels")
    targets = {
        rel.get("Id"): _resolve(folder, rel.get("Target", "")) for rel in _xml(book.read(relations))
    }
    parts = {}
    for sheet in _xml(book.read(workbook)).iter():
        if _local(sheet.tag) == "sheet" and targets.get(sheet.get(_RELATIONSHIP_ID)):
            parts[sheet.get("name", "")] = targets[sheet.get(_RELATIONSHIP_ID)]
    return {title: part for title, part in parts.items() if part in book.namelist()}


def _defined_tab(book: zipfile.ZipFile, name: str) -> str | None:
    """The tab that the workbook's defined name `name` points at: 'History'!$A:$M -> History."""
    workbook = _target(book, "_rels/.rels", "officeDocument", "")
    for element in _xml(book.read(workbook)).iter():
        if _local(element.tag) != "definedName" or element.get("name") != name:
            continue
        if element.get("localSheetId") is None:  # a name of one tab's own is no marker
            match = _DESTINATION.match(element.text or "")
            if match is None:
                return None
            quoted, plain = match.groups()
            return plain if quoted is None else quoted.replace("''", "'")
    return None


def _sheet_texts(book: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Tab title -> the text constant of its own defined name `name` ("abc" -> abc).

    A sheet-scoped name carries localSheetId, the 0-based place of its sheet among the
    workbook's <sheet> elements; Excel and openpyxl delete it with its sheet.
    """
    workbook = _xml(book.read(_target(book, "_rels/.rels", "officeDocument", "")))
    titles = [e.get("name", "") for e in workbook.iter() if _local(e.tag) == "sheet"]
    found = {}
    for element in workbook.iter():
        if _local(element.tag) != "definedName" or element.get("name") != name:
            continue
        local = element.get("localSheetId", "")
        text = _TEXT_CONSTANT.fullmatch((element.text or "").strip())
        if local.isdigit() and int(local) < len(titles) and text is not None:
            found[titles[int(local)]] = text[1].replace('""', '"')
    return found


def _target(book: zipfile.ZipFile, relations: str, kind: str, folder: str) -> str:
    for rel in _xml(book.read(relations)):
        if rel.get("Type", "").endswith(f"/{kind}"):
            return _resolve(folder, rel.get("Target", ""))
    return "xl/workbook.xml"


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _xml(data: bytes) -> ET.Element:
    # The staff's own workbook, parsed as openpyxl parses it; expat (>= 2.4) refuses entity
    # bombs and ElementTree never fetches external entities.
    return ET.fromstring(data)  # noqa: S314


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _cells(xml: bytes) -> Iterator[tuple[Position, ET.Element]]:
    """Every cell element of one sheet's XML, with its position."""
    row = column = 0
    for _, element in ET.iterparse(io.BytesIO(xml)):  # noqa: S314 (see _xml)
        tag = _local(element.tag)
        if tag == "row":
            element.clear()
            continue
        if tag != "c":
            continue
        if element.get("r"):
            row, column = _position(element.get("r", ""))
        else:  # rare writers omit positions: cells follow each other
            column += 1
        yield (row, column), element


def _position(reference: str) -> Position:
    """ "B12" -> (12, 2)."""
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        raise ValueError(f"{reference!r} is not a cell reference")
    letters, row = match.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(row), column


def _uncomputed_and_errors(xml: bytes) -> tuple[frozenset[Position], dict[Position, str]]:
    """One sheet's formula cells never computed, and its cells holding an error value (#N/A,
    #REF!, ...) with their text. Most sheets hold neither: they are not parsed."""
    never, errors = set(), {}
    if _has_formula(xml) or _ERROR_CELL.search(xml):
        for position, element in _cells(xml):
            children = {_local(child.tag): child for child in element}
            stored = _stored(element, children)
            if "f" in children and stored is None:
                never.add(position)
            if element.get("t") == "e" and stored:
                errors[position] = stored
    return frozenset(never), errors


def _formulas(xml: bytes) -> Iterator[tuple[Position, _Formula]]:
    """Every formula cell of one sheet, with its text as openpyxl would save it."""
    if not _has_formula(xml):
        return  # most tabs hold no formula: skip parsing them
    shared: dict[str, Translator] = {}
    for (row, column), element in _cells(xml):
        children = {_local(child.tag): child for child in element}
        formula = children.get("f")
        if formula is None:
            continue
        text = _formula_text(formula, f"{column_letter(column)}{row}", shared)
        shape = "array" if formula.get("t") == "array" else ""
        kind = element.get("t", "n")
        yield (row, column), _Formula(text, shape, kind, _stored(element, children))


def _has_formula(xml: bytes) -> bool:
    return b"<f" in xml or b":f" in xml


def _stored(cell: ET.Element, children: dict[str, ET.Element]) -> str | None:
    """The value stored in a cell's XML as text; None when there is none (never computed)."""
    kind = cell.get("t", "n")
    value = children.get("v")
    stored = None if value is None else (value.text or "")
    if kind == "inlineStr" and "is" in children:
        stored = "".join(children["is"].itertext())
    if stored == "" and kind not in _TEXT_RESULTS:
        stored = None
    return stored


def _formula_text(
    formula: ET.Element, coordinate: str, shared: dict[str, Translator]
) -> str | None:
    """The formula's text; for a shared formula (Excel's fill-down), translated to this cell."""
    if formula.get("t") == "shared" and formula.get("si") is not None:
        from openpyxl.formula.translate import Translator  # only a shared formula needs it

        group = formula.get("si", "")
        if formula.text:
            shared[group] = Translator(f"={formula.text}", origin=coordinate)
            return formula.text
        if group in shared:
            translated: str = shared[group].translate_formula(coordinate)
            return translated[1:]
        return None
    if formula.get("t") == "dataTable":
        return None  # what-if tables: openpyxl writes no text to compare with
    return formula.text or ""
