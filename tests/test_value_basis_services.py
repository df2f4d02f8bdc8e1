"""What the pages say about the value basis, computed without Streamlit.

A lead's value is visit-caused or uptake if visited (``value_basis`` of the scores); the
services name it, split one lead's value into its parts with a reason each (the recent-loan
rule and the do-not-visit list make it worth 0, and say why), cut a stored explanation into
those reasons (the officer's list), and tabulate the support criteria a model met or missed.
Hand-built frames and supports, both languages.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import propensity
from countyreach.i18n import t
from countyreach.services import leads as lds
from countyreach.services import model_views as mdl
from countyreach.services import planning as pl
from tests.test_app_services import _plan, _problem

EN = ("Likely: 33% chance of a loan after a visit; Large: expected loan ¥175,337 (kids' "
      "bicycle makers, revenue band 3); default risk 2.9%, expected loss ¥2,254 per loan "
      "(margin ¥8,516); Now: renewal due (last loan 14 months ago); November is its busy "
      "season; Visit matters: 10% without a visit, 33% with one")
ZH = ("可能性：拜访后贷款概率33%；额度：预计贷款¥175,337（童车厂，营收档3）；违约概率2.9%，"
      "每笔预期损失¥2,254（利差¥8,516）；时机：上笔贷款已14个月，该续贷了；十一月是资金旺季；"
      "拜访作用大：不拜访10%，拜访后33%")


def _caused() -> pd.DataFrame:
    """Three leads on the visit-caused basis: one worth visiting, one that borrowed two
    months ago, one on the do-not-visit list."""
    return pd.DataFrame({
        "lead_id": ["L1", "L2", "L3"], "name": ["童车厂", "小卖部", "羊场"],
        "industry": ["kids_bicycles", "small_shop", "sheep_farm"],
        "village": ["郎寨村", "庆南村", "庆北村"],
        "p_uptake": [0.33, 0.2, 0.4], "loan_yuan": [175337.0, 20000.0, 50000.0],
        "p_default": [0.029, 0.05, 0.02], "value_yuan": [727.0, 0.0, 0.0],
        "value_std_yuan": [100.0, 0.0, 0.0], "do_not_visit": [False, False, True],
        "explanation_en": [EN, "Likely: 20% chance of a loan after a visit; Now: borrowed "
                           "from us 2 months ago, not due yet", "On the do-not-visit list"],
        "explanation_zh": [ZH, "可能性：拜访后贷款概率20%；时机：2个月前刚在我行贷款，暂不需要",
                           "在勿访名单上：不安排拜访"],
        "value_basis": "visit_caused", "p_no_visit": [0.1, 0.15, 0.2],
        "uplift": [0.116, 0.05, 0.2], "expected_loss_yuan": [262.0, 5.0, 20.0],
        "months_since_loan": [14.0, 2.0, 60.0], "locked_out": [False, True, False],
    })


def _uptake() -> pd.DataFrame:
    return _caused().assign(value_basis="uptake_if_visited", p_no_visit=np.nan, uplift=np.nan,
                            explanation_en=["Industry: borrow more than most (+)", "", ""],
                            explanation_zh=["行业：借贷意愿高于一般（+）", "", ""])


def test_explanations_are_cut_into_the_parts_of_the_value() -> None:
    en = lds.reason_parts(EN)
    assert [p for p, _ in en] == ["likely", "large", "now", "visit"]
    # a part's own "; " stays inside it: the season belongs to "now"
    assert dict(en)["now"].endswith("November is its busy season")
    assert dict(en)["large"].endswith("(margin ¥8,516)")
    zh = lds.reason_parts("约定回访（O01）；" + ZH)
    assert [p for p, _ in zh] == ["", "likely", "large", "now", "visit"]
    assert zh[0][1] == "约定回访（O01）" and dict(zh)["now"].endswith("十一月是资金旺季")
    assert lds.reason_parts("Industry: borrow more (+); Refused 2 times before (−)") == [
        ("", "Industry: borrow more (+); Refused 2 times before (−)")]
    assert lds.reason_parts("") == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_visit_caused_value_is_split_into_its_parts_with_reasons(lang: str) -> None:
    v = lds.lead_value(_caused(), "L1", lang, month="2026-11", lockout_months=12)
    assert v.kind == "visit_caused" and v.value_yuan == 727.0 and not v.worth_zero
    parts = v.parts.set_index(t("col_part", lang))
    why, fig = parts[t("why_lead", lang)], parts[t("col_figure", lang)]
    assert fig[t("part_likely", lang)] == "33 %"
    assert fig[t("part_visit", lang)] == t("fig_uplift", lang, p0="10 %", p1="33 %", pts="12")
    assert fig[t("part_large", lang)] == "¥175,337"
    assert fig[t("part_risk", lang)] == "2.9 % · ¥262"
    assert fig[t("part_now", lang)] == t("since_months", lang, m="14")
    assert fig[t("basis_name_visit_caused", lang)] == "¥727"
    # each part carries its own reason, the part's name left to the first column
    text = EN if lang == "en" else ZH
    visit = dict(lds.reason_parts(text))["visit"]
    assert why[t("part_visit", lang)] == visit
    assert why[t("part_likely", lang)] in text and why[t("part_now", lang)] in text
    assert why[t("basis_name_visit_caused", lang)] == t("why_value_visit_caused", lang)
    labels = [label for label, _ in v.metrics]
    assert labels == [t("p_uptake_visit", lang), t("p_no_visit", lang), t("uplift", lang),
                      t("expected_loan", lang), t("expected_loss", lang),
                      t("basis_name_visit_caused", lang)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_recent_borrower_and_a_do_not_visit_lead_are_worth_zero_and_say_why(
        lang: str) -> None:
    recent = lds.lead_value(_caused(), "L2", lang, month="2026-11", lockout_months=12)
    assert recent.worth_zero == t("worth_zero_loan", lang,
                                  since=t("since_months", lang, m="2"), months="12")
    value_row = recent.parts.iloc[-1]
    assert value_row.iloc[1] == "¥0" and value_row.iloc[2] == recent.worth_zero
    dnv = lds.lead_value(_caused(), "L3", lang, month="2026-11", lockout_months=12)
    assert dnv.worth_zero == t("worth_zero_dnv", lang)
    assert dnv.parts.iloc[-2, 1] == t("since_never", lang)
    with pytest.raises(KeyError):
        lds.lead_value(_caused(), "nope", lang, month="2026-11")


def test_an_uptake_value_names_its_basis_and_the_loan_rule() -> None:
    v = lds.lead_value(_uptake(), "L1", "en", month="2026-11")
    parts = v.parts.set_index(t("col_part", "en"))
    assert t("part_visit", "en") not in parts.index  # no effect of the visit on this basis
    assert parts.loc[t("part_likely", "en")].iloc[1] == "Industry: borrow more than most (+)"
    assert parts.loc[t("basis_name_uptake_if_visited", "en")].iloc[1] == t(
        "why_value_uptake_if_visited", "en")
    # the loan rule's floor (6 months) by default; the recency reason in the user's language
    recent = lds.lead_value(_uptake(), "L2", "zh", month="2026-11")
    assert "近 6 个月" in recent.worth_zero
    assert recent.parts.iloc[3, 2] == "2个月前刚在我行贷款，暂不需要"
    # scores made before bases were recorded still show what they have
    old = _uptake().drop(columns=["value_basis", "p_no_visit", "uplift", "expected_loss_yuan",
                                  "months_since_loan", "locked_out", "do_not_visit"])
    plain = lds.lead_value(old, "L1", "en", month="2026-11")
    assert plain.kind is None and not plain.worth_zero
    assert plain.parts.iloc[-1, 0] == t("value", "en") and plain.parts.iloc[-2, 1] == "—"


def test_tables_are_headed_by_the_value_basis() -> None:
    assert lds.basis_kind(_caused()) == "visit_caused"
    assert lds.basis_kind(_uptake()) == "uptake_if_visited"
    assert lds.basis_kind(_caused().drop(columns="value_basis")) is None
    assert lds.basis_kind(None) is None
    caused = lds.leads_table(lds.with_bands(_caused()), "en")
    for key in ("p_uptake_visit", "p_no_visit", "uplift", "col_expected_loss",
                "basis_name_visit_caused", "col_recent_loan"):
        assert t(key, "en") in caused.columns, key
    assert caused[t("col_recent_loan", "en")].tolist() == [False, True, False]
    uptake = lds.leads_table(lds.with_bands(_uptake()), "zh")
    assert t("basis_name_uptake_if_visited", "zh") in uptake.columns
    assert t("p_no_visit", "zh") not in uptake.columns
    rows, total = pl.plan_kpis(_problem(), _plan(), _caused())
    assert t("kpi_value_visit_caused", "zh") in pl.kpi_frame(rows, total, "zh",
                                                             basis="visit_caused").columns
    assert t("kpi_value", "en") in pl.kpi_frame(rows, total, "en").columns
    assert pl.table_labels("en", "uptake_if_visited")["value_yuan"] == "Expected value if visited"
    assert pl.table_labels("en")["value_yuan"] == t("value", "en")


def _support(**change: object) -> propensity.UpliftSupport:
    base: dict[str, object] = {"has_loan_book": True, "months": 18, "visits": 540,
                               "visit_loans": 76, "unvisited": 4860, "walk_in_loans": 259,
                               "randomised": 72}
    base.update(change)
    return propensity.UpliftSupport(**base)  # type: ignore[arg-type]


def test_criteria_say_which_are_met_or_missed() -> None:
    table = mdl.basis_criteria(_support(randomised=12), "en")
    met = dict(zip(table["Criterion"], table["Met"], strict=True))
    assert met[t("crit_randomised", "en")] == t("crit_missed", "en")
    assert met[t("crit_visits", "en")] == t("crit_met", "en")
    assert table.set_index("Criterion").loc[t("crit_unvisited", "en"), "Found"] == "4,860"
    none = mdl.basis_criteria(_support(has_loan_book=False), "zh")
    assert none.iloc[0].tolist() == [t("crit_loan_book", "zh"), t("crit_yes", "zh"),
                                     t("crit_no", "zh"), t("crit_missed", "zh")]
    assert (none.iloc[1:, 2:] == "—").all().all()  # nothing else can be counted
    assert mdl.basis_criteria(None, "en").empty


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_basis_view_says_what_data_is_missing_on_the_fallback(lang: str) -> None:
    support = _support(has_loan_book=False)
    basis = propensity.ValueBasis(propensity.ValueBasisKind.UPTAKE_IF_VISITED,
                                  "P(loan | visit) × loan × margin: no loan book",
                                  "拜访后贷款概率×额度×利差：没有贷款台账", 6.0)
    view = mdl.basis_view(SimpleNamespace(value_basis_=basis, uplift_support_=support), lang)
    assert not view.caused and view.kind == "uptake_if_visited"
    assert view.title == t("value_basis_title", lang,
                           name=t("basis_name_uptake_if_visited", lang))
    assert view.value_label == t("kpi_value_uptake_if_visited", lang)
    assert view.missing == (support.problems_zh if lang == "zh" else support.problems)
    assert "loans.csv" in view.missing[0] and "loans.csv" in view.hint
    assert view.detail == basis.text(lang) and view.lockout_months == 6
    # a model saved before bases were recorded: uptake if visited, no criteria to show
    old = mdl.basis_view(SimpleNamespace(), lang)
    assert not old.caused and old.criteria.empty and old.missing == ()


def test_basis_view_of_a_visit_caused_model() -> None:
    basis = propensity.ValueBasis(propensity.ValueBasisKind.VISIT_CAUSED, "uplift model on …",
                                  "增量模型基于……", 12.0)
    view = mdl.basis_view(SimpleNamespace(value_basis_=basis, uplift_support_=_support()), "en")
    assert view.caused and view.name == "Visit-caused value" and not view.missing
    assert not view.hint and view.lockout_months == 12
    assert view.detail == "visit-caused (uplift model on …)"
    assert set(view.criteria["Met"]) == {t("crit_met", "en")}
