"""A corpus of malformed county folders through `countyreach plan`, as a new user would meet them.

Each case breaks one thing in a copy of the demo county. A broken input exits 2 with a message
naming the file (and the row and field where there is one), writes nothing, and shows no
traceback. Inputs that are merely unusual (GBK, a BOM, CRLF, extra columns) plan normally.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from countyreach.cli import main

DATE = "2026-11-24"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_rows(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set ``column`` of 1-based data ``row`` of file ``name`` (adding the column if needed)."""
    def edit(root: Path) -> None:
        rows = _rows(root / name)
        header = list(rows[0])
        if column not in header:
            header.append(column)
            for r in rows:
                r.setdefault(column, "")
        rows[row - 1][column] = value
        _write_rows(root / name, rows, header)
    return edit


def drop_column(name: str, column: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        rows = _rows(root / name)
        header = [c for c in rows[0] if c != column]
        _write_rows(root / name, rows, header)
    return edit


def raw(name: str, data: bytes) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / name).write_bytes(data)
    return edit


def append_text(name: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        with (root / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    return edit


def with_line(name: str, row: int, line: str) -> Callable[[Path], None]:
    """Replace data row ``row`` (from 1 after the header) by ``line`` as written."""
    def edit(root: Path) -> None:
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        lines[row] = line
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return edit


def blank_line_after(name: str, row: int, then: Callable[[Path], None]) -> Callable[[Path], None]:
    """``then``'s edit, and a blank line after data row ``row`` (later rows keep their
    numbers in the file: one more than their position)."""
    def edit(root: Path) -> None:
        then(root)
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        lines.insert(row + 1, "")
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return edit


def rename_column(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        lines[0] = ",".join(new if c == old else c for c in lines[0].split(","))
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return edit


def header_only(name: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        first = (root / name).read_text(encoding="utf-8").splitlines()[0]
        (root / name).write_text(first + "\n", encoding="utf-8")
    return edit


def manifest(**changes: object) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        d = json.loads((root / "county.json").read_text(encoding="utf-8"))
        for k, v in changes.items():
            if v is None:
                d.pop(k, None)
            else:
                d[k] = v
        (root / "county.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return edit


def reencode(name: str, encoding: str, *, bom: bool = False,
             crlf: bool = False) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        text = (root / name).read_text(encoding="utf-8-sig")
        if crlf:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        data = text.encode(encoding)
        (root / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return edit


@dataclass(frozen=True)
class Case:
    """One malformed input: what to break, and what the user must be told."""

    name: str
    edit: Callable[[Path], None]
    file: str | None = None  # the file the message must name (None: the input is fine)
    row: int | None = None
    field: str | None = None
    args: tuple[str, ...] = ()


L, OF, V, B, H = "leads.csv", "officers.csv", "villages.csv", "branches.csv", "history.csv"
CASES = [
    # leads.csv
    Case("leads missing lat column", drop_column(L, "lat"), L, None, "lat"),
    Case("leads lat not a number", set_cell(L, 3, "lat", "north"), L, 3, "lat"),
    Case("leads lat out of range", set_cell(L, 4, "lat", "95"), L, 4, "lat"),
    Case("leads lon infinite", set_cell(L, 5, "lon", "inf"), L, 5, "lon"),
    Case("leads lat and lon swapped", set_cell(L, 6, "lat", "115.02"), L, 6, "lat"),
    Case("leads empty lead_id", set_cell(L, 7, "lead_id", ""), L, 7, "lead_id"),
    Case("leads lead_id is a path", set_cell(L, 8, "lead_id", "../x"), L, 8, "lead_id"),
    Case("leads empty name", set_cell(L, 9, "name", ""), L, 9, "name"),
    Case("leads empty industry", set_cell(L, 10, "industry", ""), L, 10, "industry"),
    Case("leads control character", set_cell(L, 11, "name", "a\x07b"), L, 11, "name"),
    Case("leads name too long", set_cell(L, 12, "name", "x" * 300), L, 12, "name"),
    Case("leads phone too long", set_cell(L, 13, "phone", "1" * 60), L, 13, "phone"),
    Case("leads window hours unreadable", set_cell(L, 14, "windows", "9h-11h"), L, 14, "windows"),
    Case("leads window reversed", set_cell(L, 15, "windows", "11:00-09:00"), L, 15, "windows"),
    Case("leads windows overlap", set_cell(L, 16, "windows", "08:00-10:00;09:00-11:00"),
         L, 16, "windows"),
    Case("leads window hour 30", set_cell(L, 17, "windows", "08:00-30:00"), L, 17, "windows"),
    Case("leads negative service", set_cell(L, 18, "service_min", "-5"), L, 18, "service_min"),
    Case("leads service of a week", set_cell(L, 19, "service_min", "10080"),
         L, 19, "service_min"),
    Case("leads negative load", set_cell(L, 20, "load", "-1"), L, 20, "load"),
    Case("leads load not a number", set_cell(L, 21, "load", "two"), L, 21, "load"),
    Case("leads pay flow 1e300", set_cell(L, 22, "mobile_pay_flow_yuan", "1e300"),
         L, 22, "mobile_pay_flow_yuan"),
    Case("leads negative years", set_cell(L, 23, "years_operating", "-3"),
         L, 23, "years_operating"),
    Case("leads existing loan 5", set_cell(L, 24, "has_existing_loan", "5"),
         L, 24, "has_existing_loan"),
    Case("leads staff nan", set_cell(L, 25, "staff", "nan"), L, 25, "staff"),
    Case("leads pinned to unknown officer", set_cell(L, 26, "pinned_officer_id", "O99"),
         L, 26, "pinned_officer_id"),
    Case("leads pinned id malformed", set_cell(L, 27, "pinned_officer_id", "O 1"),
         L, 27, "pinned_officer_id"),
    Case("leads empty file", raw(L, b""), L),
    Case("leads header only", header_only(L), L),
    Case("leads binary garbage", raw(L, bytes(range(256)) * 4), L),
    Case("leads undecodable", raw(L, b"lead_id,name,industry,lat,lon\nB1,\xff\xfe\x80,x,1,2\n"), L),
    # officers.csv
    Case("officers missing shift_end", drop_column(OF, "shift_end"), OF, None, "shift_end"),
    Case("officers shift hour 25", set_cell(OF, 1, "shift_start", "25:00"), OF, 1, "shift_start"),
    Case("officers shift ends first", set_cell(OF, 2, "shift_end", "07:00"), OF, 2, "shift_end"),
    Case("officers duplicate id", set_cell(OF, 2, "officer_id", "O01"), OF, 2, "officer_id"),
    Case("officers start kind office", set_cell(OF, 3, "start_kind", "office"),
         OF, 3, "start_kind"),
    Case("officers half a lunch", set_cell(OF, 1, "lunch_min", ""), OF, 1, "lunch_start"),
    Case("officers lunch window reversed", set_cell(OF, 2, "lunch_end", "11:00"),
         OF, 2, "lunch_end"),
    Case("officers shift ends inside lunch", set_cell(OF, 3, "shift_end", "12:00"),
         OF, 3, "lunch_start"),
    Case("officers lunch of ten hours", set_cell(OF, 4, "lunch_min", "600"),
         OF, 4, "lunch_min"),
    Case("officers negative max visits", set_cell(OF, 1, "max_visits", "-1"), OF, 1, "max_visits"),
    Case("officers drive of days", set_cell(OF, 2, "max_drive_min", "5000"),
         OF, 2, "max_drive_min"),
    Case("officers negative capacity", set_cell(OF, 3, "capacity", "-2"), OF, 3, "capacity"),
    Case("officers zero capacity", set_cell(OF, 4, "capacity", "0"), OF, 4, "capacity"),
    Case("officers start lat text", set_cell(OF, 5, "start_lat", "home"), OF, 5, "start_lat"),
    Case("officers home far away", set_cell(OF, 5, "start_lat", "39.9"), OF, 5, "start_lat"),
    Case("officers home far away after a blank line",
         blank_line_after(OF, 2, set_cell(OF, 5, "start_lat", "39.9")), OF, 6, "start_lat"),
    Case("officers roster empty", header_only(OF), OF),
    Case("officers name empty", set_cell(OF, 6, "name", ""), OF, 6, "name"),
    # villages.csv, branches.csv
    Case("villages missing name", drop_column(V, "name"), V, None, "name"),
    Case("villages lat text", set_cell(V, 2, "lat", "x"), V, 2, "lat"),
    Case("villages empty file", raw(V, b""), V),
    Case("branches none", header_only(B), B),
    Case("branches bad id", set_cell(B, 1, "branch_id", "a b"), B, 1, "branch_id"),
    Case("branches lat out of range", set_cell(B, 1, "lat", "-95"), B, 1, "lat"),
    # county.json
    Case("manifest not json", raw("county.json", b"{county_id: qingzu"), "county.json"),
    Case("manifest is a list", raw("county.json", b"[1, 2]"), "county.json"),
    Case("manifest without county_id", manifest(county_id=None), "county.json", None,
         "county_id"),
    Case("manifest unknown crs", manifest(crs="utm50"), "county.json", None, "crs"),
    Case("manifest names a missing file", manifest(leads="nope.csv"), "county.json", None,
         "leads"),
    Case("manifest county id is a path", manifest(county_id="../x"), "county.json", None,
         "county_id"),
    Case("manifest county id absolute", manifest(county_id="/etc/x"), "county.json", None,
         "county_id"),
    # history.csv
    Case("history month 13", set_cell(H, 2, "month", "2025-13"), H, 2, "month"),
    Case("history took_loan 2", set_cell(H, 3, "took_loan", "2"), H, 3, "took_loan"),
    Case("history negative loan", set_cell(H, 4, "loan_yuan", "-100"), H, 4, "loan_yuan"),
    Case("history header only", header_only(H), H),
    Case("history empty file", raw(H, b""), H),
    Case("history missing lead_id", drop_column(H, "lead_id"), H, None, "lead_id"),
    # roads
    Case("roads garbage", raw("roads.osm.pbf", b"not an osm file at all"), "roads.osm.pbf"),
    Case("roads empty", raw("roads.osm.pbf", b""), "roads.osm.pbf"),
    # command line
    Case("date month 13", lambda root: None, "--date", args=("--date", "2026-13-01")),
    Case("officer not in roster", lambda root: None, "officer", args=("--officers", "O99")),
    # unusual but fine
    Case("leads in GBK", reencode(L, "gbk")),
    Case("leads with BOM and CRLF", reencode(L, "utf-8", bom=True, crlf=True)),
    Case("officers with CRLF", reencode(OF, "utf-8", crlf=True)),
    Case("officers in GBK", reencode(OF, "gbk")),
    Case("manifest with BOM", reencode("county.json", "utf-8", bom=True)),
    Case("leads extra column", set_cell(L, 1, "notes_from_branch", "call first")),
    Case("leads with empty spreadsheet rows after the data", append_text(L, ",,,,,\n,,,\n")),
    Case("leads row with more values than columns",
         with_line(L, 2, "B9999,x,y,z,1,2,3" + ",9" * 30), L, 2),
    Case("leads header names a column twice", rename_column(L, "phone", "name"), L, None, "name"),
]


def test_the_corpus_is_large_enough():
    assert sum(c.file is not None for c in CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input(case: Case, county_copy: Path, cache_dir: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture) -> None:
    case.edit(county_copy)
    out = tmp_path / "out"
    date = () if "--date" in case.args else ("--date", DATE)
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), *date,
                 "--time-limit", "1", "--out", str(out), *case.args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if case.file is None:
        assert code == 0, err
        assert (out / "plan.json").exists()
        return
    assert code == 2, f"exit {code}; stderr: {err[-500:]}"
    assert err.startswith("countyreach: error:"), err
    assert case.file in err, err
    if case.row is not None:
        assert f"row {case.row}" in err, err
    if case.field is not None:
        assert case.field in err, err
    assert not out.exists(), "nothing is written for a broken input"
