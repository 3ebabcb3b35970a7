"""A change carried out on an openpyxl workbook (`backends/workbook.py`): text written as
literal text, a tab's look (fills, bold, rules across the table, frozen header, wrapped rows'
heights, a filter students may use on a protected tab), its stamp, and tabs replaced in place.
The whole backend, file handling included: tests/test_xlsx.py and test_backend_contract.py."""

from __future__ import annotations

from dataclasses import replace

from mixitup.backends.workbook import (
    LINE_HEIGHT,
    NEW_BOOK_TAB,
    STAMP_NAME,
    new_book,
    set_cell,
    write_steps,
    write_tab,
)
from mixitup.change import plan_change
from mixitup.models import Change, Snapshot, Tab

GROUPS = Tab(
    "2027-01-13 Week 2 Groups",
    (("Group", "Name", "Role"), (1, "=HYPERLINK(1)", "Lead"), (1, "+1", ""), (2, "Bo", "")),
    widths=(6, 12, 5),
    frozen_rows=1,
    bold_rows=frozenset({0, 1}),
    fills={0: "#D9E2F3", 1: "#E2EFDA"},
    wrap=True,
    rules=frozenset({1, 3}),
    autofilter=True,
    protected=True,
    stamp='stamp "7"',
)


def test_cells_are_literal_text_numbers_stay_numbers_and_blank_is_empty():
    ws = new_book().active
    assert ws.title == NEW_BOOK_TAB
    assert set_cell(ws, 1, 1, "=SUM(A2:A9)").data_type == "s"  # a name, never run
    assert set_cell(ws, 1, 2, 3).value == 3
    assert set_cell(ws, 1, 3, "").value is None


def test_a_tab_is_drawn_with_the_look_it_asks_for():
    ws = new_book().create_sheet("Groups")
    write_tab(ws, GROUPS)
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Group", "Name", "Role"],
        [1, "=HYPERLINK(1)", "Lead"],
        [1, "+1", None],
        [2, "Bo", None],
    ]
    assert ws["B2"].data_type == "s"
    assert (ws["A1"].font.b, ws["A2"].font.b, ws["A3"].font.b) == (True, True, False)
    assert ws["C1"].fill.fgColor.rgb.endswith("D9E2F3")
    assert ws["A3"].fill.fill_type is None
    ruled = [r for r in range(1, 5) if all(ws.cell(r, c).border.top.style for c in (1, 2, 3))]
    assert ruled == [2, 4]  # across the table, the blank Role cell too
    assert ws.freeze_panes == "A2"
    assert [ws.column_dimensions[c].width for c in "ABC"] == [6, 12, 5]
    assert ws["A2"].alignment.wrap_text
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.protection.sheet
    assert (ws.protection.autoFilter, ws.protection.sort) == (False, False)  # allowed
    assert ws.defined_names[STAMP_NAME].attr_text == '"stamp ""7"""'


def test_the_filter_spans_the_tables_columns_whatever_their_widths():
    ws = new_book().create_sheet("Groups")
    write_tab(ws, replace(GROUPS, widths=(6, 12, 8)))
    assert ws.auto_filter.ref == "A1:C4"


def test_a_wrapped_row_too_long_for_its_column_is_made_taller():
    ws = new_book().create_sheet("Prompts")
    text = "Introduce yourself: your program and module, and one thing you are proud of"
    write_tab(ws, Tab("Prompts", (("Title",), (text,)), widths=(42,), wrap=True))
    assert ws.row_dimensions[1].height is None  # one line: the default height
    assert ws.row_dimensions[2].height == 2 * LINE_HEIGHT


def test_steps_replace_a_tab_in_its_place_and_add_one_where_asked():
    book = new_book()
    for title in ("Roster", "2027-01-13 week 2 groups", "Notes"):
        book.create_sheet(title)
    del book[NEW_BOOK_TAB]
    snapshot = Snapshot(tuple(book.sheetnames), dict.fromkeys(book.sheetnames, ()))
    change = Change(tabs=(GROUPS, Tab("How to use this sheet", (("Find your name",),), position=0)))
    write_steps(book, plan_change(snapshot, change), snapshot, new=False)
    assert book.sheetnames == ["How to use this sheet", "Roster", GROUPS.title, "Notes"]
    assert book[GROUPS.title]["B4"].value == "Bo"
