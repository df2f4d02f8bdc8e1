"""``countyreach backup DIR``: the store and the files it names, copied while it runs, usable
as they are; a folder that holds anything is never written into, and a model file that does
not match the registry is named and left out."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.services.backup import BACKUP_DB, BACKUP_HOME, back_up
from countyreach.services.models import artefact_path, load_model
from countyreach.store import Store

WHEN = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


@pytest.fixture()
def trained(trained_loop_at: Any) -> Any:
    """The demo county imported into a SQLite store, its first model trained."""
    return trained_loop_at(WHEN)


def test_a_backup_is_a_store_and_data_directory_that_run_as_they_are(
        trained: Any, tmp_path: Path) -> None:
    store = trained.store
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    admin = store.operator_session()
    outcomes_before = store.counties.summaries(admin)
    done = back_up(store, url, trained.home, tmp_path / "bk")
    assert (done.backend, done.missing) == ("sqlite", ())
    assert done.database_bytes == (tmp_path / "bk" / BACKUP_DB).stat().st_size > 0
    assert done.files >= 2  # the model and the county's map files
    assert stat.S_IMODE((tmp_path / "bk").stat().st_mode) == 0o700
    manifest = json.loads((tmp_path / "bk" / "backup.json").read_text(encoding="utf-8"))
    assert manifest["revision"] == done.revision and manifest["files"] == done.files
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".bk")] == []
    # one file (no WAL beside it), and it opens as a store with the same counties and model
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == [
        "backup.json", BACKUP_DB, BACKUP_HOME]
    with Store.open(f"sqlite:///{tmp_path / 'bk' / BACKUP_DB}", bcrypt_rounds=4) as copy:
        mine = copy.operator_session()
        assert copy.counties.summaries(mine) == outcomes_before
        record = copy.promoted_model(mine, "qingzu")
        assert record is not None
        load_model(tmp_path / "bk" / BACKUP_HOME, record)  # its artefact, checked
    # a folder that holds anything is never written into
    with pytest.raises(InputError, match="holds something already"):
        back_up(store, url, trained.home, tmp_path / "bk")


def test_a_model_file_that_does_not_match_the_registry_is_named_and_left_out(
        trained: Any, tmp_path: Path) -> None:
    store = trained.store
    record = store.promoted_model(store.operator_session(), "qingzu")
    path = artefact_path(trained.home, "qingzu", record.version)
    path.write_bytes(path.read_bytes() + b"altered")
    (tmp_path / "bk").mkdir()  # an empty folder is taken
    done = back_up(store, f"sqlite:///{tmp_path / 's.sqlite'}", trained.home, tmp_path / "bk")
    assert done.missing == (f"qingzu v{record.version}",)
    assert not artefact_path(tmp_path / "bk" / BACKUP_HOME, "qingzu", record.version).exists()


def test_a_postgresql_store_is_left_to_its_server_and_its_files_copied(
        store: Store, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.settings import get_settings

    done = back_up(store, url, tmp_path / "home", tmp_path / "bk")
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    assert done.backend == backend and done.revision
    assert (done.database_bytes is None) == (backend == "postgresql")
    assert (tmp_path / "bk" / BACKUP_DB).exists() == (backend == "sqlite")
    # the command says how to run on a SQLite backup only (a PostgreSQL one has no file)
    monkeypatch.setenv("COUNTYREACH_DB", url)
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        assert main(["-q", "backup", str(tmp_path / "bk2")]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert ("COUNTYREACH_DB=" in out) == (backend == "sqlite")
    assert ("pg_dump" in out) == (backend == "postgresql")


def test_countyreach_backup_says_what_it_copied_and_refuses_a_used_folder(
        cli_store: str, demo_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "county", "import", str(demo_dir)]) == 0
    capsys.readouterr()
    assert main(["-q", "backup", str(tmp_path / "bk")]) == 0
    out = capsys.readouterr().out
    assert "copied and checked" in out and f"COUNTYREACH_DB=sqlite:///{tmp_path / 'bk'}" in out
    assert main(["-q", "backup", str(tmp_path / "bk"), "--lang", "zh"]) == 2
    assert "该文件夹已有内容" in capsys.readouterr().err
    assert main(["-q", "backup", str(tmp_path / "no" / "bk")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "no").exists()
