"""A retrained model is promoted only when its held-out visits can tell it is good: never one
no better than chance, never on a handful of visits, and re-saving the starter model is not
called a promotion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from countyreach.cli import main
from countyreach.i18n import has_cjk
from countyreach.localize import localize
from countyreach.services.promotion import MIN_HELDOUT_LOANS, judge_promotion
from propensity.auc_compare import compare_aucs


def test_delong_matches_the_auc_and_the_pairwise_definition_of_its_variance() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 120)
    a = y + rng.normal(0, 1.2, 120)
    b = np.round(a + rng.normal(0, 1.0, 120), 1)  # rounded: ties count half
    c = compare_aucs(y, a, b)
    assert c.auc_new == pytest.approx(roc_auc_score(y, a))
    assert c.auc_old == pytest.approx(roc_auc_score(y, b))
    # DeLong's variance from its definition: the pairwise comparisons, positive by negative
    pos, neg = y == 1, y == 0

    def parts(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        return m.mean(axis=1), m.mean(axis=0)

    (a10, a01), (b10, b01) = parts(a), parts(b)
    s = np.cov([a10, b10]) / pos.sum() + np.cov([a01, b01]) / neg.sum()
    assert c.se_new == pytest.approx(np.sqrt(s[0, 0]))
    assert c.se_diff == pytest.approx(np.sqrt(s[0, 0] + s[1, 1] - 2 * s[0, 1]))
    lo, hi = c.diff_interval
    assert lo < c.diff < hi


def test_the_rule_needs_enough_held_out_loans_and_a_model_better_than_chance() -> None:
    rng = np.random.default_rng(0)
    # the tester's county: 15 held-out visits, a model at 0.500 against a starter at 0.43
    y = np.array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0])
    few = judge_promotion(y, rng.random(15), rng.random(15), old_is_starter=True)
    assert not few.promote and "too few held-out visits to tell: 15, 4 with a loan" in few.reason
    # enough visits, no signal
    y = rng.integers(0, 2, 400)
    noise = judge_promotion(y, rng.random(400))
    assert not noise.promote and "not above chance (0.5) beyond noise" in noise.reason
    # a real signal, but the same as the visit-caused model it would replace
    p = y + rng.normal(0, 1.0, 400)
    assert judge_promotion(y, p).promote
    same = judge_promotion(y, p, p + rng.normal(0, 0.05, 400), basis_lost=True)
    assert not same.promote and "not clearly better" in same.reason
    assert judge_promotion(y, p, p + rng.normal(0, 0.05, 400)).promote  # a routine retrain
    assert MIN_HELDOUT_LOANS >= 10


@pytest.fixture()
def noisy_county(county_copy: Path) -> Path:
    """A new county (no loan book) whose recorded visits carry no signal: the demo's 960
    visits with their outcomes shuffled over the rows."""
    for name in ("loans.csv", "loans_elsewhere.csv"):
        (county_copy / name).unlink(missing_ok=True)
    manifest = json.loads((county_copy / "county.json").read_text(encoding="utf-8"))
    manifest.update(county_id="noisy", name="无信号县")
    (county_copy / "county.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                             encoding="utf-8")
    history = pd.read_csv(county_copy / "history.csv", dtype=str, keep_default_na=False)
    order = np.random.default_rng(11).permutation(len(history))
    outcome = ["took_loan", "loan_yuan", "defaulted"]
    history[outcome] = history[outcome].to_numpy()[order]
    history.to_csv(county_copy / "history.csv", index=False)
    return county_copy


def test_a_county_whose_outcomes_carry_no_signal_keeps_the_starter(
        noisy_county: Path, cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.store import Store

    shuffled = noisy_county / "history.shuffled.csv"
    (noisy_county / "history.csv").rename(shuffled)
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    # nothing to learn from yet: the starter, not called a promotion
    assert main(["-q", "retrain", "noisy"]) == 0
    out = capsys.readouterr().out
    assert "Model noisy v1: the starter model is used (0 usable visits" in out
    assert "promoted" not in out

    shuffled.rename(noisy_county / "history.csv")
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    assert main(["-q", "retrain", "noisy"]) == 1
    out = capsys.readouterr().out
    assert "Model noisy v2: v2 not promoted: held-out AUC" in out
    assert "not above chance (0.5) beyond noise" in out
    assert "960 usable visits: " in out and " to train on, " in out and " held out" in out
    assert "value basis would change from visit-caused to uptake-if-visited" in out
    assert "the starter model stays, saved as v3 for these data" in out
    with Store.open(cli_store) as store:
        kept = store.promoted_model(store.operator_session(), "noisy")
    assert kept is not None and kept.version == 3 and kept.n_train == 0
    # the starter saved for these data is current: the next plan does not retrain
    assert main(["-q", "retrain", "noisy"]) == 0
    assert "v3 is current" in capsys.readouterr().out


def test_a_first_model_without_signal_is_not_promoted_the_starter_plans(
        noisy_county: Path, cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.store import Store

    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    assert main(["-q", "retrain", "noisy"]) == 0  # the county has a model to plan with
    out = capsys.readouterr().out
    assert "Model noisy v1: the starter model is used (960 usable visits: " in out
    assert "its own model is not used: held-out AUC" in out
    assert "not above chance (0.5) beyond noise" in out and "promoted" not in out
    with Store.open(cli_store) as store:
        first = store.promoted_model(store.operator_session(), "noisy")
    assert first is not None and first.version == 1 and first.n_train == 0


def test_a_retrain_that_lost_is_not_repeated_by_every_plan(
        noisy_county: Path, demo_dir: Path, cli_store: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.store import Store

    shuffled = noisy_county / "history.shuffled.csv"
    (noisy_county / "history.csv").rename(shuffled)
    (noisy_county / "history.csv").write_bytes((demo_dir / "history.csv").read_bytes())
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    assert main(["-q", "retrain", "noisy"]) == 0  # the county's own model, on real visits
    # new visits that carry no signal: the model trained on them loses to v1
    shuffled.replace(noisy_county / "history.csv")
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()

    def plan() -> str:
        assert main(["-q", "plan", "noisy", "--date", "2026-11-24", "--time-limit", "1",
                     "--out", str(tmp_path / "out")]) == 0
        return capsys.readouterr().out

    def versions() -> list[int]:
        with Store.open(cli_store) as store:
            return [m.version for m in store.models(store.operator_session(), "noisy")]

    first = plan()
    assert "planning with stale model v1 (trained before the latest data" in first
    assert "v2 not promoted" in first and versions() == [1, 2]
    second = plan()  # the same data: nothing new to train on
    assert "Model: noisy v1 " in second
    assert "model v1 is kept: v2, trained on the latest data, was not promoted" in second
    assert versions() == [1, 2]
    assert main(["-q", "retrain", "noisy"]) == 1
    assert "v2 was trained on these data by this code and not promoted" in \
        capsys.readouterr().out
    assert versions() == [1, 2]
    # data that change again are trained on again, once
    history = pd.read_csv(noisy_county / "history.csv", dtype=str, keep_default_na=False)
    history.iloc[:-1].to_csv(noisy_county / "history.csv", index=False)
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    assert "planning with stale model v1 (trained before the latest data" in plan()
    assert versions() == [1, 2, 3]
    plan()
    assert versions() == [1, 2, 3]
    # the model's note in Chinese: which model plans, and why the newer one does not
    assert main(["-q", "plan", "noisy", "--date", "2026-11-24", "--time-limit", "1",
                 "--out", str(tmp_path / "out"), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    note = next(ln for ln in out.splitlines() if "继续用模型 v1" in ln)
    assert "用最新数据训练的 v3 未启用（留出检验 AUC " in note and not _english(note), note


#: Two English words in a row: prose a Chinese user would read in English (a command to
#: run, in backquotes, is typed as written in any language).
_ENGLISH = re.compile(r"[a-z]{2,}[ ,;:']+[a-z]{2,}")


def _english(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if _ENGLISH.search(re.sub(r"`[^`]*`", "", ln))]


def test_every_verdict_reads_in_chinese() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = y + rng.normal(0, 1.0, 400)
    verdicts = [judge_promotion(y[:15], rng.random(15), rng.random(15)),
                judge_promotion(y, rng.random(400)),
                judge_promotion(y, p, p + rng.normal(0, 0.05, 400), old_name="v2",
                                basis_lost=True),
                judge_promotion(y, p, p + rng.normal(0, 0.3, 400), old_name="v1 (the starter)",
                                old_is_starter=True, tolerance=-1.0),
                judge_promotion(y, rng.random(400) + y * 0.3, p, old_name="v3")]
    assert not any(v.promote for v in verdicts)
    for v in verdicts:
        shown = localize(v.reason, "zh")
        assert has_cjk(shown) and not _english(shown), (v.reason, shown)
    assert localize(verdicts[3].reason, "zh").count("v1（起步模型）") == 1


def test_retrain_says_its_verdict_in_chinese(
        noisy_county: Path, cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    shuffled = noisy_county / "history.shuffled.csv"
    (noisy_county / "history.csv").rename(shuffled)
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    assert main(["-q", "retrain", "noisy", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("模型 noisy v1：使用起步模型（0 次可用拜访：") and "起步模型" in out
    assert not _english(out), out
    shuffled.rename(noisy_county / "history.csv")
    assert main(["-q", "county", "import", str(noisy_county)]) == 0
    capsys.readouterr()
    assert main(["-q", "retrain", "noisy", "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "模型 noisy v2：v2 未启用：留出检验 AUC " in out
    assert "扣除随机波动后不高于随机水平（0.5）" in out and "960 次可用拜访：" in out
    assert "价值依据将由拜访带来的价值改为拜访后的贷款价值" in out
    assert "继续用起步模型，已按这些数据另存为 v3" in out
    assert not _english(out), out
    assert main(["-q", "retrain", "noisy", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "v3 已是最新" in out and not _english(out), out
