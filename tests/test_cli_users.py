"""``countyreach users``: list the accounts, disable someone who left, enable them again, a new
password for one who forgot theirs; in English and Chinese, bad names refused with exit 2."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.dates import county_time
from countyreach.errors import AccessDenied
from countyreach.settings import get_settings
from countyreach.store import Store

PW, NEW_PW = "a long secret 1", "a new secret 22"


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def accounts(cli_store: str, demo_dir: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo county imported, a manager ``wang`` and an officer ``li`` (O02)."""
    assert run(capsys, "county", "import", str(demo_dir))[0] == 0
    for argv in (["wang", "--role", "manager"], ["li", "--role", "officer", "--officer", "O02"]):
        code, _, err = run(capsys, "users", "add", *argv, "--password-stdin",
                           stdin=PW + "\n", monkeypatch=monkeypatch)
        assert code == 0, err
    return cli_store


def _store() -> Store:
    return Store.open(get_settings().store_url, bcrypt_rounds=4)


def test_users_list_says_who_can_sign_in_and_when_each_last_did(
        accounts: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["user", "role", "county", "/", "officer", "state", "last",
                                "sign-in"]
    # a password the admin typed is for the first sign-in only
    assert lines[1].split() == ["li", "Field", "officer", "qingzu", "O02", "first", "password",
                                "never"]
    with _store() as store:
        wang = store.login("wang", PW)
        now = store.now()
        store.users.change_password(wang, PW, NEW_PW)
    code, out, _ = run(capsys, "users", "list", "--lang", "zh")
    assert "用户" in out.splitlines()[0] and "上次登录" in out.splitlines()[0]
    assert next(line for line in out.splitlines() if line.startswith("li ")).split()[4] == \
        "待改初始密码"
    wang = next(line for line in out.splitlines() if line.startswith("wang"))
    assert wang.split()[1:4] == ["区域经理", "qingzu", "可登录"]
    assert wang.endswith(county_time(now))  # China time, as the plans list says times
    code, _, err = run(capsys, "users", "list", "--county", "nowhere")
    assert code == 2 and "unknown county 'nowhere'" in err and "Traceback" not in err


def test_a_disabled_officer_is_signed_out_and_enabled_again(
        accounts: str, capsys: pytest.CaptureFixture[str]) -> None:
    with _store() as store:
        phone = store.login("li", PW)
    code, out, _ = run(capsys, "users", "disable", "li")
    assert code == 0 and out.strip() == ("User li is disabled and signed out everywhere; their "
                                         "plans and outcomes are kept.")
    with _store() as store:
        with pytest.raises(AccessDenied):
            store.users.resume(phone.token)
        with pytest.raises(AccessDenied):
            store.login("li", PW)
    assert "disabled" in next(line for line in run(capsys, "users", "list")[1].splitlines()
                              if line.startswith("li "))
    code, out, _ = run(capsys, "users", "disable", "li", "--lang", "zh")
    assert code == 0 and out.strip() == "用户 li 本来就已停用：没有改动。"
    code, out, _ = run(capsys, "users", "enable", "li")
    assert code == 0 and out.strip() == "User li can sign in again."
    with _store() as store:
        assert store.login("li", PW).officer_id == "O02"


def test_a_new_password_for_a_user_who_forgot_theirs(
        accounts: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "users", "password", "li", "--password-stdin",
                       stdin=NEW_PW + "\n", monkeypatch=monkeypatch)
    assert code == 0 and out.strip() == ("User li has a new password, for their next sign-in "
                                         "only (they choose their own then), and is signed "
                                         "out everywhere.")
    with _store() as store:
        assert store.login("li", NEW_PW).must_change_password
        with pytest.raises(AccessDenied):
            store.login("li", PW)
    # too short: refused in the user's language, the password kept
    code, _, err = run(capsys, "users", "password", "li", "--password-stdin", "--lang", "zh",
                       stdin="short\n", monkeypatch=monkeypatch)
    assert code == 2 and "密码须为 8 到 128 个字符" in err and "Traceback" not in err
    with _store() as store:
        assert store.login("li", NEW_PW)


def test_a_name_that_is_no_account_is_refused_before_a_password_is_asked(
        accounts: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_prompt(prompt: str = "") -> str:
        raise AssertionError(f"asked {prompt!r}")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    for command in ("password", "disable", "enable"):
        code, _, err = run(capsys, "users", command, "zhao")
        assert code == 2 and "no user 'zhao'" in err and "Traceback" not in err
    code, _, err = run(capsys, "users", "disable", "zhao", "--lang", "zh")
    assert code == 2 and "没有用户 'zhao'" in err
    # the command line's own account is nobody's to disable
    code, _, err = run(capsys, "users", "disable", "countyreach-operator")
    assert code == 2 and "no user" in err


def test_users_add_gives_an_officer_with_a_region_the_county_as_users_import_does(
        accounts: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # an officer's county defaults to the store's only one whether or not a region is
    # given (it failed with "None is not a valid id" when a region was)
    code, out, err = run(capsys, "users", "add", "zhou", "--role", "officer", "--officer",
                         "O03", "--region", "north", "--password-stdin", stdin=PW + "\n",
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert "qingzu" in out
    with _store() as store:
        zhou = next(a for a in store.users.accounts(store.operator_session())
                    if a.username == "zhou")
    assert (zhou.county_id, zhou.officer_id, zhou.region) == ("qingzu", "O03", "north")
    # a planner given none reaches every county, in both commands
    code, _, err = run(capsys, "users", "add", "gao", "--role", "planner", "--password-stdin",
                       stdin=PW + "\n", monkeypatch=monkeypatch)
    assert code == 0, err
    with _store() as store:
        assert next(a for a in store.users.accounts(store.operator_session())
                    if a.username == "gao").county_id is None


def test_the_password_is_asked_twice_on_a_terminal(
        accounts: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    typed = iter([NEW_PW, NEW_PW + "x"])
    prompts: list[str] = []

    def terminal(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", terminal)
    code, _, err = run(capsys, "users", "password", "li", "--lang", "zh")
    assert code == 2 and "两次输入的密码不一致" in err
    assert prompts == ["li 的密码：", "再输入一次："]
    with _store() as store:
        assert store.login("li", PW)  # unchanged


# ------------------------------------------------------------ users import: a county's team
def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_users_import_gives_a_team_accounts_with_first_passwords(
        accounts: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    team = _write(tmp_path / "team.csv", "用户名,角色,工号,县编号,区域\n"
                                         "zhou,客户经理,O03,,\n"
                                         "wu,officer,O04,qingzu,\n"
                                         "zheng,Manager,,,puyang\n"
                                         "chen,planner,,,\n"
                                         "boss,admin,,,\n")
    out = tmp_path / "first.csv"
    code, said, err = run(capsys, "users", "import", str(team), "--out", str(out))
    assert code == 0, err
    assert said.strip().startswith(f"Created 5 account(s). Their first passwords are in {out}")
    assert out.stat().st_mode & 0o777 == 0o600  # the admin's eyes only
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "username,password,role,reach"
    given = {r.split(",")[0]: r.split(",") for r in rows[1:]}
    assert given["zhou"][2:] == ["Field officer", "qingzu O03"]
    assert given["zheng"][3] == "region puyang"
    assert given["boss"][3] == given["chen"][3] == "all counties"  # as users add makes them
    with _store() as store:
        zhou = store.login("zhou", given["zhou"][1])
        assert (zhou.officer_id, zhou.county_id, zhou.must_change_password) == \
            ("O03", "qingzu", True)
        assert store.login("zheng", given["zheng"][1]).region == "puyang"
    assert len({g[1] for g in given.values()}) == 5 and all(
        len(g[1]) == 12 for g in given.values())
    # the same file again (rows added later, say) leaves the accounts as they are
    code, said, _ = run(capsys, "users", "import", str(team), "--out", str(tmp_path / "b.csv"),
                        "--lang", "zh")
    assert code == 0 and "5 个账户已存在" in said and "没有需要新建的账户" in said
    assert not (tmp_path / "b.csv").exists()


def test_users_import_names_every_bad_row_and_makes_no_account(
        accounts: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    team = _write(tmp_path / "team.csv", "username,role,officer_id,county_id,region\n"
                                         "zhou,officer,O03,,\n"
                                         "zhou,officer,O04,,\n"
                                         "boss,admin,,qingzu,\n"
                                         "sun,officer,O99,,\n"
                                         "qian,planner,O05,,\n"
                                         "chu,officer,O03,,\n"
                                         "wei,officer,O02,,\n"
                                         "li,manager,,,\n"
                                         "two words,officer,O06,,\n"
                                         "feng,superuser,,,\n"
                                         "jiang,officer,O06,nowhere,\n"
                                         "he,,,,\n")
    out = tmp_path / "first.csv"
    code, _, err = run(capsys, "users", "import", str(team), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    assert f"file {team}, row 2, field 'username': username 'zhou' is given twice (row 1)" in err
    for line in ("row 3, field 'county_id': an admin account reaches every county",
                 "row 4, field 'officer_id': officer 'O99' is not on qingzu's roster",
                 "row 5, field 'officer_id': only an officer account has an officer_id",
                 "row 6, field 'officer_id': officer 'O03' of qingzu is given an account in "
                 "row 1 already: 'zhou'",
                 "row 7, field 'officer_id': officer 'O02' of qingzu has an account already: "
                 "'li'",
                 "row 8, field 'username': username 'li' is taken by another account "
                 "(officer)",
                 "row 9, field 'username': 'two words' is not a valid id",
                 "row 10, field 'role': unknown role 'superuser'",
                 "row 11, field 'county_id': unknown county 'nowhere' (one of qingzu)",
                 "row 12, field 'role': the role is empty"):
        assert line in err, line
    assert not out.exists()  # nothing written, nothing stored
    with _store() as store:
        assert set(store.users.usernames()) == {"li", "wang"}
    code, _, err = run(capsys, "users", "import", str(team), "--out", str(out), "--lang", "zh")
    assert code == 2 and "用户名 'zhou' 重复出现（第 1 行）" in err
    assert "未知的角色 'superuser'" in err


def test_users_import_never_overwrites_a_passwords_file(
        accounts: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    team = _write(tmp_path / "team.csv", "username,role,officer_id\nzhou,officer,O03\n")
    out = _write(tmp_path / "first.csv", "zhao,kept-password\n")
    code, _, err = run(capsys, "users", "import", str(team), "--out", str(out))
    assert code == 2 and f"file {out}: the file exists" in err
    assert out.read_text(encoding="utf-8") == "zhao,kept-password\n"
    with _store() as store:
        assert "zhou" not in store.users.usernames()
    code, _, err = run(capsys, "users", "import", str(team), "--out",
                       str(tmp_path / "no-such-folder" / "first.csv"))
    assert code == 2 and "the folder does not exist" in err
