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
    assert lines[1].split() == ["li", "Field", "officer", "qingzu", "O02", "active", "never"]
    with _store() as store:
        store.login("wang", PW)
        now = store.now()
    code, out, _ = run(capsys, "users", "list", "--lang", "zh")
    assert "用户" in out.splitlines()[0] and "上次登录" in out.splitlines()[0]
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
    assert code == 0 and out.strip() == ("User li has a new password and is signed out "
                                         "everywhere.")
    with _store() as store:
        assert store.login("li", NEW_PW).username == "li"
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
