"""The store's command line: county import, plan from the store, outcomes, users, ids."""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.cli_loop import NOT_PUBLISHED_EXIT
from countyreach.settings import get_settings
from countyreach.store import Store


@pytest.fixture()
def env(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh store and data directory, configured through the environment."""
    monkeypatch.setenv("COUNTYREACH_DB", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.chdir(tmp_path)  # plans write to ./out, as the user's would
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_is_idempotent_and_plan_reads_the_store(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "county", "import", str(demo_dir))
    assert code == 0 and "400 new" in out and "960 new" in out
    code, out, _ = run(capsys, "county", "import", str(demo_dir))
    assert code == 0 and "0 new, 0 updated, 400 unchanged" in out
    assert "map files: unchanged" in out

    code, out, _ = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                       "--publish")
    assert code == 0, out
    assert "Model: qingzu v1" in out and "Version 1 of qingzu 2026-11-24 published" in out
    # the plan's files, as from a folder: --out (default out/), checked independently
    assert "Wrote" in out and (env / "out" / "routes").is_dir()
    assert run(capsys, "check", str(env / "out" / "plan.json"))[0] == 0

    store = Store.open(get_settings().store_url)
    admin = store.operator_session()
    _, plan, version = store.published_plan(admin, "qingzu", "2026-11-24")
    route = next(r for r in plan.routes if len(r.stops) >= 3)
    first = [s.lead_id for s in route.stops[:3]]
    skipped_then_visited = [first[0], first[2]]  # the 2nd stop was skipped, not recorded
    csv = env / "outcomes.csv"
    csv.write_text("county_id,plan_date,lead_id,outcome,follow_up_on\n" + "".join(
        f"qingzu,2026-11-24,{lid},interested,2026-11-26\n" for lid in skipped_then_visited),
        encoding="utf-8")
    # a file with one bad row records nothing, so fixing that row and importing again is safe
    bad = env / "outcomes-bad.csv"
    bad.write_text(csv.read_text(encoding="utf-8") + "qingzu,2026-11-24,NOBODY,interested,\n",
                   encoding="utf-8")
    code, _, err = run(capsys, "outcomes", "import", str(bad))
    assert code == 2 and "row 3" in err and "lead_id" in err and "Traceback" not in err
    assert store.visit_outcomes(admin, "qingzu", "2026-11-24") == []
    code, out, _ = run(capsys, "outcomes", "import", str(csv))
    assert code == 0 and "2 outcome(s) recorded" in out
    code, out, _ = run(capsys, "outcomes", "import", str(csv))
    assert code == 0 and "0 outcome(s) recorded, 2 already there" in out

    # republish: visited stops (and the skipped one between them) keep their place
    code, out, _ = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                       "--publish")
    assert code == 0, out
    assert "Version 2 of qingzu 2026-11-24 published" in out
    # the stop passed over is said to be one, not called visited
    assert (f"{route.officer_id}: 2 visited stop(s) kept in place with 1 passed over before "
            f"them, without an outcome ({first[1]})") in out
    _, plan2, version2 = store.published_plan(admin, "qingzu", "2026-11-24")
    assert version2 == version + 1
    again = next(r for r in plan2.routes if r.officer_id == route.officer_id)
    assert again.stops[:3] == route.stops[:3]
    kept = store.visit_outcomes(admin, "qingzu", "2026-11-24")
    assert {r.lead_id for r in kept} == set(skipped_then_visited)

    # the follow-up day pins both leads to the officer who booked them
    code, out, _ = run(capsys, "plan", "qingzu", "--date", "2026-11-26", "--time-limit", "1")
    assert code == 0 and "Follow-ups pinned today: 2" in out
    _, plan3, _ = store.plan(admin, "qingzu", "2026-11-26", 1)
    mine = next(r for r in plan3.routes if r.officer_id == route.officer_id)
    assert set(skipped_then_visited) <= set(mine.lead_ids)
    store.close()


def test_the_store_county_is_planned_beside_a_folder_of_the_same_name(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(demo_dir, env / "qingzu")  # the folder it is imported from, say
    # nothing stored yet: the folder, and nothing said about a store
    code, out, err = run(capsys, "score", "qingzu", "--top", "1")
    assert code == 0 and "store's county" not in err
    code, out, err = run(capsys, "plan", "qingzu", "--publish", "--lang", "zh")
    assert code == 2 and "数据库中没有县 'qingzu'：这里有同名文件夹" in err
    assert run(capsys, "county", "import", "qingzu")[0] == 0
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                         "--publish", "--out", str(env / "published"))
    assert code == 0, err
    assert "Version 1 of qingzu 2026-11-24 published" in out
    assert (env / "published" / "plan.json").exists()
    # without --publish too: the store's outcomes, rules and model, and how to name the folder
    said = "qingzu is the store's county; a folder of that name is here too: give ./qingzu"
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-25", "--time-limit", "1")
    assert code == 0 and said in err and "Model: qingzu v1" in out
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                         "--now", "12:00")  # what only the store does: no warning needed
    assert code == 0 and said not in err and "Model: qingzu v1" in out
    code, out, err = run(capsys, "score", "qingzu", "--top", "1", "--lang", "zh")
    assert code == 0 and "qingzu 是存储中的县" in err
    code, out, err = run(capsys, "score", "./qingzu", "--top", "1")
    assert code == 0 and "store's county" not in err and "qingzu model v" not in out


def test_a_folder_is_read_when_the_store_cannot_be_opened_and_that_is_said(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(demo_dir, env / "qingzu")
    # a PostgreSQL server that is not there (nothing listens on port 1)
    monkeypatch.setenv("COUNTYREACH_DB", "postgresql+psycopg2://u:secret@127.0.0.1:1/none")
    get_settings.cache_clear()
    code, out, err = run(capsys, "score", "qingzu", "--top", "1", "--lang", "zh")
    assert code == 0 and "B0" in out
    assert "无法打开系统库，qingzu 改从同名文件夹读取（无法打开位于" in err
    assert "secret" not in err
    # a URL that is no database URL is refused, as every store command refuses it
    monkeypatch.setenv("COUNTYREACH_DB", "not a url")
    get_settings.cache_clear()
    code, out, err = run(capsys, "score", "qingzu", "--top", "1")
    assert code == 2 and "not a database URL" in err and "Traceback" not in err


def test_a_store_under_the_home_folder_is_found_beside_a_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from countyreach.cli_open import store_holds

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("COUNTYREACH_DB", "sqlite:///~/s.sqlite")
    get_settings.cache_clear()
    assert not store_holds("qingzu")  # no store file yet, and none is made
    assert not (tmp_path / "s.sqlite").exists()
    store = Store.open("sqlite:///~/s.sqlite", bcrypt_rounds=4)
    store.ensure_county(store.operator_session(), "qingzu", "庆祖镇")
    store.close()
    assert store_holds("qingzu") and not store_holds("other")
    get_settings.cache_clear()


@pytest.mark.parametrize("argv", [
    ["plan", "../x", "--date", "2026-11-24"],
    ["plan", "a/b", "--date", "2026-11-24"],
    ["plan", "/nonexistent/county", "--date", "2026-11-24"],
    ["retrain", "../x"],
    ["retrain", "/etc"],
])
def test_county_ids_that_would_be_paths_exit_2(env: Path, argv: list[str],
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # From a folder of its own: run from a checkout named ``x``, "../x" is that checkout,
    # a real folder (a fresh clone in /tmp/x failed here).
    (env / "cwd").mkdir()
    monkeypatch.chdir(env / "cwd")
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "county" in err and ("not a county id" in err or "not a valid id" in err
                                or "neither a county folder nor a county id" in err)


def test_plan_of_a_name_that_is_no_folder_and_no_stored_county_says_so(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a mistyped folder, no --date: the name is the problem, not the date
    code, _, err = run(capsys, "plan", "nosuch")
    assert code == 2
    assert "no county folder or stored county named 'nosuch'" in err
    assert "the store holds no county yet" in err and "--date" not in err
    code, _, err = run(capsys, "plans", "nosuch", "--lang", "zh")
    assert code == 2 and "系统库中还没有县" in err and "none" not in err


def test_users_add_reads_the_password_from_stdin(env: Path, demo_dir: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "county", "import", str(demo_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 1\n"))
    code, out, _ = run(capsys, "users", "add", "wang", "--role", "manager",
                       "--password-stdin")
    assert code == 0 and "wang (manager, qingzu)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 2\n"))
    code, _, err = run(capsys, "users", "add", "li", "--role", "officer", "--password-stdin")
    assert code == 2 and "--officer" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 2\n"))
    code, _, _ = run(capsys, "users", "add", "li", "--role", "officer", "--officer", "O02",
                     "--password-stdin")
    assert code == 0
    # a county the store does not hold, an officer not on the roster: refused, named
    for argv, named in ((["--role", "manager", "--county", "nowhere"], "nowhere"),
                        (["--role", "officer", "--officer", "O99"], "O99")):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 3\n"))
        code, _, err = run(capsys, "users", "add", "zhao", *argv, "--password-stdin")
        assert code == 2 and named in err and "Traceback" not in err
    store = Store.open(get_settings().store_url)
    assert "zhao" not in store.users.usernames()
    session = store.login("wang", "a long secret 1")
    assert session.role == "manager" and session.county_id == "qingzu"
    assert store.login("li", "a long secret 2").officer_id == "O02"
    store.close()


def test_passwords_are_hashed_at_the_configured_cost(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "county", "import", str(demo_dir))
    monkeypatch.setenv("COUNTYREACH_BCRYPT_ROUNDS", "5")
    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 1\n"))
    code, _, _ = run(capsys, "users", "add", "wang", "--role", "manager", "--password-stdin")
    assert code == 0
    with sqlite3.connect(env / "store.sqlite") as db:
        (stored,) = db.execute("SELECT password_hash FROM users WHERE username = 'wang'"
                               ).fetchone()
    assert stored.startswith("$2b$05$")  # bcrypt writes its cost into the hash
    store = Store.open(get_settings().store_url)
    assert store.login("wang", "a long secret 1").role == "manager"
    store.close()
    # below bcrypt's least cost: refused at start, naming the variable, nothing added
    monkeypatch.setenv("COUNTYREACH_BCRYPT_ROUNDS", "3")
    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret 2\n"))
    code, _, err = run(capsys, "users", "add", "li", "--role", "manager", "--password-stdin")
    assert code == 2 and "COUNTYREACH_BCRYPT_ROUNDS" in err and "Traceback" not in err
    monkeypatch.delenv("COUNTYREACH_BCRYPT_ROUNDS")
    get_settings.cache_clear()
    store = Store.open(get_settings().store_url)
    assert "li" not in store.users.usernames()
    store.close()


def test_demo_seeds_users_for_every_role(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--date", "2026-11-24", "--time-limit", "1",
                       "--out", str(env / "out"))
    assert code == 0
    assert "demo-manager" in out and "demo-planner" in out and "demo-o01" in out
    code, out, _ = run(capsys, "demo", "--date", "2026-11-24", "--time-limit", "1",
                       "--out", str(env / "out"))
    assert "Demo users exist already" in out and "password" not in out
    store = Store.open(get_settings().store_url)
    assert store.login("demo-manager", "countyreach-demo").role == "manager"
    assert store.login("demo-planner", "countyreach-demo").role == "planner"
    officer = store.login("demo-o03", "countyreach-demo")
    assert officer.role == "officer" and officer.officer_id == "O03"
    store.close()


def test_a_county_and_outcomes_saved_as_gbk_import(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Excel and WPS on a Chinese desktop save CSV as GBK: the store reads such files as
    planning from the folder does (the row check once read them as UTF-8 and crashed)."""
    folder = env / "gbk"
    shutil.copytree(demo_dir, folder)
    for name in ("leads.csv", "officers.csv"):
        text = (folder / name).read_text(encoding="utf-8-sig")
        (folder / name).write_bytes(text.encode("gb18030"))
    code, out, err = run(capsys, "county", "import", str(folder))
    assert code == 0 and "400 new" in out, err
    store = Store.open(get_settings().store_url)
    admin = store.operator_session()
    names = store.leads_frame(admin, "qingzu").set_index("lead_id")["name"]
    first = (demo_dir / "leads.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert names[first[0]] == first[1]  # the Chinese name, decoded

    code, out, _ = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                       "--publish")
    assert code == 0, out
    _, plan, _ = store.published_plan(admin, "qingzu", "2026-11-24")
    lead = plan.routes[0].stops[0].lead_id
    csv = env / "outcomes-gbk.csv"
    csv.write_bytes(("county_id,plan_date,lead_id,outcome,reason\n"
                     f"qingzu,2026-11-24,{lead},not_interested,已在农商行贷款\n").encode("gbk"))
    code, out, err = run(capsys, "outcomes", "import", str(csv))
    assert code == 0 and "1 outcome(s) recorded" in out, err
    [rec] = store.visit_outcomes(admin, "qingzu", "2026-11-24")
    assert rec.reason == "已在农商行贷款"
    # bytes that are neither UTF-8 nor GBK: the file is named, nothing recorded, no traceback
    csv.write_bytes(b"county_id,plan_date,lead_id,outcome\n\xff\xfe\x81\n")
    code, _, err = run(capsys, "outcomes", "import", str(csv))
    assert code == 2 and str(csv) in err and "Traceback" not in err



def test_county_import_warns_about_rows_that_match_nothing(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = env / "typos"
    shutil.copytree(demo_dir, folder)
    officers = folder / "officers.csv"
    officers.write_text(officers.read_text(encoding="utf-8").replace("庆北村;", "庆北庄;", 1),
                        encoding="utf-8")
    loans = folder / "loans.csv"
    loans.write_text(loans.read_text(encoding="utf-8") + "NOPE1,2025-01,5000,0\n",
                     encoding="utf-8")
    code, _, err = run(capsys, "county", "import", str(folder))
    assert code == 0, err
    warned = [ln for ln in err.splitlines() if ln.startswith("countyreach: warning: ")]
    assert any(f"{officers}: officer O01's localities '庆北庄' match no village" in ln
               for ln in warned)
    assert any(f"{loans}: 1 row(s) name leads" in ln and "NOPE1" in ln for ln in warned)


def test_model_versions_are_listed_rolled_back_and_not_retrained_for_nothing(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "county", "import", str(demo_dir))[0] == 0
    code, out, _ = run(capsys, "models", "qingzu")
    assert code == 0 and "No model of qingzu yet" in out
    assert run(capsys, "retrain", "qingzu")[0] == 0
    # the same data by the same code: nothing new to learn, no new version
    code, out, _ = run(capsys, "retrain", "qingzu")
    assert code == 0 and "v1 is current" in out and "nothing to retrain" in out
    assert run(capsys, "retrain", "qingzu", "--force")[0] == 0
    code, out, _ = run(capsys, "models", "qingzu")
    lines = [ln for ln in out.splitlines() if ln.startswith("v")]
    assert len(lines) == 2 and "retired" in lines[0] and "promoted" in lines[1]
    assert "held-out visits" in lines[1]
    # roll back to v1
    code, out, _ = run(capsys, "models", "qingzu", "--promote", "1")
    assert code == 0 and "v1 promoted" in out
    lines = [ln for ln in out.splitlines() if ln.startswith("v")]
    assert "promoted" in lines[0] and "retired" in lines[1]
    code, _, err = run(capsys, "models", "qingzu", "--promote", "9")
    assert code == 2 and "no model version 9" in err


def test_a_plan_refused_at_publish_is_shown_with_its_violations(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # O01's day is cut to ten minutes, so the appointment B0106 with O01 cannot be kept: the
    # plan is saved as a draft and not published, and the manager sees the plan and why.
    county = env / "qingzu"
    shutil.copytree(demo_dir, county)
    officers = pd.read_csv(county / "officers.csv", dtype=str, keep_default_na=False)
    o01 = officers["officer_id"] == "O01"
    officers.loc[o01, "shift_end"] = "08:10"
    officers.loc[o01, ["lunch_start", "lunch_end", "lunch_min"]] = ""
    officers.to_csv(county / "officers.csv", index=False)
    assert run(capsys, "county", "import", str(county))[0] == 0
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                         "--publish", "--out", str(env / "o"))
    assert code == NOT_PUBLISHED_EXIT == 3  # not bad input (2): a script tells them apart
    assert "not published" in err
    assert "status: partial" in out and "saved as a draft, not published" in out
    assert "[pinned_missing] appointment B0106 with O01 is not kept" in out
    assert (env / "o" / "plan.json").exists()
    # the draft is not published by the back door either: `plans --publish` checks it too
    code, out, err = run(capsys, "plans", "qingzu", "--date", "2026-11-24", "--publish", "1",
                         "--lang", "zh")
    assert code == NOT_PUBLISHED_EXIT
    assert "2026-11-24 的计划 v1 有 " in err and "独立校验违规，未发布" in err
    assert out.splitlines()[1].split()[:2] == ["v1", "草稿"]  # as the manager page says it


def test_county_import_reports_the_leads_files_warnings_once(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = env / "phones"
    shutil.copytree(demo_dir, folder)
    leads = pd.read_csv(folder / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[0, "phone"] = "1.38E+10"  # Excel's rounding of a phone in a narrow column
    leads.to_csv(folder / "leads.csv", index=False)
    code, out, err = run(capsys, "county", "import", str(folder))
    assert code == 0, err
    warned = [ln for ln in err.splitlines() if ln.startswith("countyreach: warning: ")]
    phones = [ln for ln in warned if "scientific notation" in ln]
    assert len(phones) == 1 and f"{folder / 'leads.csv'}: 1 phone(s)" in phones[0]
    assert f"  input warnings: {len(warned)} " in out  # the report counts what it printed
    # an import refused for a bad loan book (read after the leads) still says what it found
    loans = folder / "loans.csv"
    loans.write_text(loans.read_text(encoding="utf-8").replace("2024-11", "2024-13", 1),
                     encoding="utf-8")
    code, _, err = run(capsys, "county", "import", str(folder))
    assert code == 2 and f"file {loans}, row 1, field 'month'" in err
    assert "scientific notation" in err
