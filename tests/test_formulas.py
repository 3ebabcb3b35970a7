"""What a workbook's XML says beyond its values (formulas never computed, error values, sheet
protection, the History's marker, each tab's stamp), and formulas' stored values kept across
a rewrite by openpyxl, which drops them."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from mixitup.backends.formulas import keep_computed_values, package_facts

MARKER, STAMP = "MixitupHistory", "MixitupStamp"


def workbook() -> bytes:
    """Notes (B2 a formula), Record (marked as the History), Groups (stamped, protected)."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "x"
    notes["B2"] = "=1+1"
    book.create_sheet("Record")["A1"] = "Session"
    groups = book.create_sheet("Groups")
    groups.protection.sheet = True
    groups.defined_names[STAMP] = DefinedName(STAMP, attr_text='"stamp ""one"""', hidden=True)
    book.defined_names[MARKER] = DefinedName(MARKER, attr_text="Record!$A:$O")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edited(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    """The workbook with one piece of one XML part replaced, as Excel would have saved it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == part:
                assert old in body
                body = body.replace(old, new)
            target.writestr(item, body)
    return out.getvalue()


def stored(data: bytes, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read(part)


NEVER = b'<c r="B2"><f>1+1</f><v /></c>'
COMPUTED = b'<c r="B2"><f>1+1</f><v>2</v></c>'


def test_the_facts_of_a_workbook_as_openpyxl_saved_it():
    facts = package_facts(workbook(), MARKER, STAMP)
    assert facts.titles == ("Notes", "Record", "Groups")
    assert facts.uncomputed == {"Notes": frozenset({(2, 2)})}  # saved, never calculated
    assert facts.errors == {}
    assert facts.protected == {"Groups"}
    assert facts.marked == "Record"
    assert facts.stamps == {"Groups": 'stamp "one"'}


def test_a_computed_formula_is_known_and_an_error_value_is_read_as_its_text():
    data = edited(workbook(), "xl/worksheets/sheet1.xml", NEVER, COMPUTED)
    data = edited(
        data,
        "xl/worksheets/sheet1.xml",
        b'<c r="A1" t="inlineStr"><is><t>x</t></is></c>',
        b'<c r="A1" t="e"><f>Old!A1</f><v>#REF!</v></c>',
    )
    facts = package_facts(data, MARKER, STAMP)
    assert facts.uncomputed == {}
    assert facts.errors == {"Notes": {(1, 1): "#REF!"}}


def test_a_rewrite_gets_back_the_values_of_formulas_left_where_they_were():
    original = edited(workbook(), "xl/worksheets/sheet1.xml", NEVER, COMPUTED)
    book = openpyxl.load_workbook(io.BytesIO(original))
    book["Record"]["A2"] = "2027-01-13 Week 2"
    saved = io.BytesIO()
    book.save(saved)
    assert NEVER in stored(saved.getvalue())  # openpyxl dropped the value

    kept = keep_computed_values(original, saved.getvalue())

    assert COMPUTED in stored(kept)
    assert package_facts(kept, MARKER, STAMP).uncomputed == {}


def test_a_formula_moved_or_changed_gets_no_value_back():
    original = edited(workbook(), "xl/worksheets/sheet1.xml", NEVER, COMPUTED)
    book = openpyxl.load_workbook(io.BytesIO(original))
    book["Notes"]["B2"] = "=1+2"  # changed: its old value would be wrong
    book["Notes"]["C3"] = "=1+1"  # the old formula, elsewhere
    saved = io.BytesIO()
    book.save(saved)

    kept = keep_computed_values(original, saved.getvalue())

    assert package_facts(kept, MARKER, STAMP).uncomputed == {"Notes": frozenset({(2, 2), (3, 3)})}
