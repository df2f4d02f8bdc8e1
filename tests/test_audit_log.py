"""Who did what, when: the store's audit log narrowed by China days, user and kind
(``Store.audit_log``), worded by :mod:`countyreach.services.activity` for ``countyreach audit``
and the app's Activity page, in English and Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.services.activity import (
    activity_csv,
    activity_lines,
    activity_rows,
    china_day_start,
    detail_text,
)
from countyreach.store import AuditAction, Session, Store
from countyreach.store.records import AuditEntry
from countyreach.store.testing import Clock
from tests.store_people import DAY, PW


def test_the_log_narrows_by_china_days_user_and_kind(
        store: Store, people: dict[str, Session], published: int, clock: Clock) -> None:
    admin = people["admin"]
    clock.t = dt.datetime(2025, 3, 3, 17, 30, tzinfo=dt.UTC)  # 01:30 of 4 March in China
    store.login("wang", PW)
    march_4 = china_day_start(dt.date(2025, 3, 4))
    assert [(e.action, e.username) for e in store.audit_log(admin, since=march_4)] == \
        [(AuditAction.LOGIN, "wang")]
    earlier = store.audit_log(admin, until=march_4)
    assert len(earlier) > 5 and all(e.at < march_4 for e in earlier)
    assert {e.username for e in store.audit_log(admin, username="mgr")} == {"mgr"}
    published_rows = store.audit_log(admin, action="publish")
    assert [e.target for e in published_rows] == [f"{DAY} v{published}"]
    assert store.audit_log(people["manager"], "qingzu", action=AuditAction.PUBLISH) == \
        published_rows
    assert store.audit_log(admin, "other", action="publish") == []
    assert len(store.audit_log(admin, limit=2)) == 2  # the newest
    with pytest.raises(InputError, match="action"):
        store.audit_log(admin, action="nope")


def _entry(action: str, detail: dict[str, object]) -> AuditEntry:
    return AuditEntry(7, dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC), "wang", "officer",
                      action, "qingzu", "2026-12-08/L0001", detail)


def test_a_row_is_worded_in_either_language_without_long_digests() -> None:
    entry = _entry("record_outcome", {"outcome": "met", "consent": True,
                                      "content_hash": "a" * 64, "withdrawn": [], "region": None,
                                      "rows": list(range(8))})
    en, = activity_rows([entry], "en")
    assert (en.when, en.user, en.role, en.action, en.county, en.target) == (
        "2026-12-08 07:30", "wang", "Field officer", "outcome recorded", "qingzu",
        "2026-12-08/L0001")
    assert en.detail == "consent True; content_hash aaaaaaaaaaaa; outcome met; " \
                        "rows [0, 1, 2, 3, 4 …]"
    zh, = activity_rows([entry], "zh")
    assert (zh.role, zh.action) == ("客户经理", "录入拜访结果")
    assert detail_text({}) == ""
    # every kind of row has its words in both languages
    for action in AuditAction:
        for lang in ("en", "zh"):
            assert activity_rows([_entry(action, {})], lang)[0].action != f"audit_{action}"


def test_the_csv_opens_in_excel_and_the_terminal_lines_up() -> None:
    entries = [_entry("publish", {}), _entry("login", {})]
    data = activity_csv(entries, "zh")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "时间,用户,角色,操作,县,对象,详情" and len(lines) == 3
    head, *rows = activity_lines(entries, "en")
    assert head.split()[:3] == ["when", "user", "role"]
    assert [r.index("qingzu") for r in rows] == [head.index("county")] * 2
    assert activity_lines([], "zh") == ["审计日志中没有符合条件的记录。"]


def test_countyreach_audit_prints_writes_and_refuses_bad_options(
        cli_store: str, demo_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "county", "import", str(demo_dir)]) == 0
    capsys.readouterr()
    assert main(["-q", "audit", "--county", "qingzu"]) == 0
    out = capsys.readouterr().out
    assert "leads imported" in out and "inserted 400" in out
    assert main(["-q", "audit", "--action", "import_leads", "--lang", "zh"]) == 0
    head, row = capsys.readouterr().out.splitlines()
    assert "操作" in head and "导入商户" in row and "leads.csv" in row
    out_csv = tmp_path / "audit.csv"
    assert main(["-q", "audit", "--since", "2020-01-01", "--out", str(out_csv)]) == 0
    assert "audit.csv" in capsys.readouterr().out
    assert "leads imported" in out_csv.read_text(encoding="utf-8-sig")
    assert main(["-q", "audit", "--until", "2020-01-01"]) == 0
    assert "No rows" in capsys.readouterr().out
    for argv, field in ((["--action", "nope"], "--action"), (["--since", "2026-13-01"], "--since"),
                        (["--county", "nowhere"], "--county"), (["--limit", "0"], "--limit"),
                        (["--out", str(tmp_path / "missing" / "a.csv")], "--out")):
        assert main(["-q", "audit", *argv]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err
    assert not (tmp_path / "missing").exists()
