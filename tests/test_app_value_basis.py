"""The app says what its values are: visit-caused where the county's data supports it,
expected value if visited otherwise, and why (under ``AppTest``, both languages).

Two counties: the demo township without its loan book (uptake if visited, and the pages
say what data is missing) and a synthetic one on the same roads and roster whose 300
businesses come with the bank's loan book and randomised visits (``countyreach synth
--variant heterogeneous``: visit-caused). The manager sees the basis next to the plan's value and a
lead's value in its parts, the leads page splits every lead's value and says why a recent
borrower is worth 0, the model page lists the support criteria met or missed, and the
officer's list shows the reasons part by part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.cli import synth_county
from countyreach.i18n import t
from countyreach.services.publishing import publish_to_store
from countyreach.settings import get_settings
from tests.test_app_pages import DATE, _app, _plan, _store
from tests.test_app_pages import _app_env as _app_env  # the app's cache, store, solver limit

DAY = dt.date.fromisoformat(DATE)
#: How the reason of a lead worth nothing because of a recent loan begins.
WORTH_ZERO = {"en": "Worth 0 now: it borrowed from us", "zh": "现在价值为 0："}


@pytest.fixture(autouse=True)
def _own_store(_app_env: None, monkeypatch: pytest.MonkeyPatch,
               tmp_path_factory: pytest.TempPathFactory) -> None:
    """A store of this module's own: the plans it publishes must not show up as changes to
    a published day in the other app tests, which share the session's cache folder."""
    db = tmp_path_factory.getbasetemp() / "value-basis-app.db"
    monkeypatch.setenv("COUNTYREACH_STORE", f"sqlite:///{db}")
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory,
              copy_demo: Callable[[Path], Path]) -> Path:
    """The demo's map and roster with 300 synthetic businesses, 18 months and a loan book."""
    root = copy_demo(tmp_path_factory.mktemp("caused") / "county")
    synth_county(root, n_businesses=300, n_months=18, seed=3, start_month="2025-05",
                 force=True, variant="heterogeneous")
    return root


@pytest.fixture(scope="module")
def no_loan_book(tmp_path_factory: pytest.TempPathFactory,
                 copy_demo: Callable[[Path], Path]) -> Path:
    """The demo township without the bank's loan book (``loans.csv``)."""
    root = copy_demo(tmp_path_factory.mktemp("uptake") / "county")
    (root / "loans.csv").unlink()
    return root


@pytest.fixture(params=["caused", "uptake"])
def basis(request: pytest.FixtureRequest, synthetic: Path, no_loan_book: Path,
          monkeypatch: pytest.MonkeyPatch) -> str:
    """The county of the basis; either hides the demo (same name)."""
    monkeypatch.setenv("COUNTYREACH_DATA",
                       str(synthetic if request.param == "caused" else no_loan_book))
    get_settings.cache_clear()
    return "visit_caused" if request.param == "caused" else "uptake_if_visited"


def _open(page: str | None, lang: str, user: str = "demo-manager") -> AppTest:
    """The app signed in as ``user`` on ``page``, the planning day set to DATE (the leads
    and model pages score its month)."""
    return _app(page, lang, user, plan_date=DAY)


def _table(at: AppTest, first_header: str) -> list[list[str]]:
    """The rows of the static table whose first column is headed ``first_header``."""
    for el in at.table:
        df = el.value
        if df.columns[0] == first_header:
            return [[str(x) for x in row] for row in df.itertuples(index=False)]
    raise AssertionError(f"no table headed {first_header!r}")


def _says(at: AppTest, text: str) -> bool:
    """Whether a markdown, caption, warning or info on the page contains ``text``."""
    return any(text in str(el.value) for kind in ("markdown", "caption", "warning", "info")
               for el in getattr(at, kind))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_manager_sees_the_plans_value_basis_next_to_its_value(basis: str, lang: str) -> None:
    at = _plan(_open(None, lang))
    day = at.session_state["day"]
    assert set(day.scores["value_basis"]) == {basis}
    labels = [m.label for m in at.metric]
    assert t(f"kpi_value_{basis}", lang) in labels
    assert t(f"kpi_value_{basis}", lang) in at.dataframe[0].value.columns  # the KPI table
    name = t(f"basis_name_{basis}", lang)
    assert _says(at, t("value_basis_title", lang, name=name))
    assert _says(at, t(f"basis_summary_{basis}", lang))
    # the model's own statement, with its reasons, in the user's language
    detail = [c.value for c in at.caption if c.value.startswith(t("basis_detail", lang, text=""))]
    assert len(detail) == 1
    assert ("uplift model on" in detail[0] or "增量模型基于" in detail[0]) == (
        basis == "visit_caused")
    missing = [w.value for w in at.warning if t("basis_missing", lang) in w.value]
    if basis == "visit_caused":
        assert not missing and not _says(at, t("basis_hint", lang))
    else:  # what the data lacks and how to get the better basis
        assert len(missing) == 1 and "loans.csv" in missing[0]
        assert (("no unvisited business-months" in missing[0]) if lang == "en"
                else ("没有未拜访商户各月的贷款结果" in missing[0]))
        assert any(i.value == t("basis_hint", lang) for i in at.info)
    # the lead card of the top lead: its value in parts, each with a reason
    card = next(m.value for m in at.markdown if m.value.startswith(
        f"- **{t('part_likely', lang)}**"))
    lines = card.split("\n")
    assert lines[-1].startswith(f"- **{name}** · ¥")
    caused = [line for line in lines if line.startswith(f"- **{t('part_visit', lang)}**")]
    assert bool(caused) == (basis == "visit_caused")
    if caused:
        assert ("Visit matters" if lang == "en" else "拜访作用") in caused[0]
    # the routes' value column (after the changes against a published plan, if any)
    assert any(t(f"basis_name_{basis}", lang) in df.value.columns for df in at.dataframe[1:])


def test_a_replan_keeps_the_plans_value_basis(basis: str) -> None:
    at = _plan(_open(None, "en"))
    before = at.session_state["day"].plan.meta["value_basis"]
    assert before.startswith("visit-caused" if basis == "visit_caused" else "uptake if visited")
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    assert at.session_state["day"].plan.meta["value_basis"] == before
    assert t(f"kpi_value_{basis}", "en") in [m.label for m in at.metric]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_leads_page_splits_a_leads_value_and_says_why_a_borrower_is_worth_zero(
        basis: str, lang: str) -> None:
    at = _open("leads", lang)
    assert _says(at, t("value_basis_title", lang, name=t(f"basis_name_{basis}", lang)))
    table = at.dataframe[0].value
    assert t(f"basis_name_{basis}", lang) in table.columns
    assert (t("p_no_visit", lang) in table.columns) == (basis == "visit_caused")
    top = _table(at, t("col_part", lang))  # the first lead: the most valuable
    assert top[-1][1] != "¥0"
    assert not any(w.value.startswith(WORTH_ZERO[lang]) for w in at.warning)
    labels = [m.label for m in at.metric]
    assert (t("p_no_visit", lang) in labels) == (basis == "visit_caused")
    recent = table.loc[table[t("col_recent_loan", lang)], "lead_id"]
    assert len(recent)  # the loan rule holds on both bases
    at.selectbox(key="explain_lead").set_value(recent.iloc[0]).run()
    assert not at.exception, at.exception
    parts = _table(at, t("col_part", lang))
    assert parts[-1][1] == "¥0"
    zero = [w.value for w in at.warning if w.value == parts[-1][2]]
    assert len(zero) == 1
    assert zero[0].startswith(WORTH_ZERO[lang])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_model_page_shows_the_basis_and_the_criteria_met_or_missed(basis: str,
                                                                   lang: str) -> None:
    at = _open("model", lang)
    assert not at.error
    assert _says(at, t("value_basis_title", lang, name=t(f"basis_name_{basis}", lang)))
    rows = {r[0]: r for r in _table(at, t("col_criterion", lang))}
    assert len(rows) == 7
    book = rows[t("crit_loan_book", lang)]
    if basis == "visit_caused":
        assert {r[3] for r in rows.values()} == {t("crit_met", lang)}
        assert int(rows[t("crit_randomised", lang)][2]) >= 30
    else:
        assert book[2:] == [t("crit_no", lang), t("crit_missed", lang)]
        assert {r[3] for r in rows.values() if r is not book} == {"—"}


def test_the_officer_reads_the_reasons_part_by_part(synthetic: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from countyreach.services.workspace import DEMO_PASSWORD

    monkeypatch.setenv("COUNTYREACH_DATA", str(synthetic))
    get_settings.cache_clear()
    day = _plan(_open(None, "en")).session_state["day"]
    store = _store()
    publish_to_store(store, store.login("demo-manager", DEMO_PASSWORD), day, "en")
    route = next(r for r in day.plan.routes if r.stops)
    phone = _open(None, "en", user=f"demo-{route.officer_id.lower()}")
    phone.date_input(key="officer_date").set_value(DAY).run()
    assert not phone.exception, phone.exception
    why = [c.value for c in phone.caption if c.value.startswith(t("why_lead", "en"))]
    assert len(why) == len(route.stops)
    lines = why[0].split("\n")[1:]
    prefixes = ("- Likely:", "- Large:", "- Now:", "- Visit matters")
    assert len(lines) == 4, lines
    assert all(line.startswith(p) for line, p in zip(lines, prefixes, strict=True)), lines
