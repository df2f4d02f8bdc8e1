"""A list inside a sentence reads with the language's separator: 、 in Chinese (a Chinese
sentence with ", " between its ids reads as English punctuation), ", " in English."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from app_pages.plan_changes import Change, changes_frame
from countyreach.i18n import list_text
from countyreach.services.import_report import import_lines
from countyreach.services.loop import CountyImport


def test_list_text_uses_the_catalogues_separator() -> None:
    assert list_text(["B1", "B2", "B3"], "zh") == "B1、B2、B3"
    assert list_text(iter(["B1", "B2"]), "en") == "B1, B2"
    assert list_text([], "zh") == ""


def _report(retired: tuple[str, ...]) -> Any:
    return SimpleNamespace(counts={"inserted": 0, "updated": 1, "unchanged": 5,
                                   "retired": len(retired), "kept_erased": 0},
                           retired=retired, kept_erased=())


def test_an_imports_retired_leads_are_listed_in_chinese() -> None:
    rep = CountyImport("qingzu", cast(Any, _report(("B7", "B8", "B9", "B10"))),
                       cast(Any, _report(())), {"inserted": 0, "updated": 0, "unchanged": 1},
                       False)
    zh, en = import_lines(rep, "zh")[1], import_lines(rep, "en")[1]
    assert "B7、B8、B9" in zh and ", " not in zh, zh
    assert "B7, B8, B9" in en, en


def test_a_plans_changes_name_leads_in_chinese() -> None:
    frame = changes_frame([Change("O01", ("B1", "B2"), ("B3",), ())],
                          {"B1": "王氏超市", "B2": "李氏养猪场"}, "zh")
    assert "王氏超市、李氏养猪场" in frame.to_string()
    en = changes_frame([Change("O01", ("B1", "B2"), (), ())], {}, "en")
    assert "B1, B2" in en.to_string()
