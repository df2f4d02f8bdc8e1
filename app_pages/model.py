"""Model page: the lead model's report — what its plans value (the value basis and the data
criteria it met or missed), drift now, then calibration, lift and importance."""

from __future__ import annotations

import math

import streamlit as st

from app_pages import common as ui
from app_pages import value_cards as cards
from countyreach.i18n import format_number, t
from countyreach.localize import error_text, localize
from countyreach.services import diagnostics as svc
from countyreach.services.model_views import basis_view, metric_text
from countyreach.services.workspace import PlanningModel


def render() -> None:
    """The lead model's report: value basis and its criteria, drift, calibration, lift,
    importance."""
    L = ui.lang()
    st.title(t("page_model", L))
    st.write(t("model_intro", L))
    data = ui.load_county()
    if data is None:
        return
    month = st.session_state.get("plan_date", ui.today()).strftime("%Y-%m")
    model = ui.current_model()
    if model is None:
        return
    # which model plans (the store's promoted version, or the file model) and if it is stale
    ui.show_model(model)
    _retrain(model)
    if model.record is not None:
        m = model.record.metrics
        st.caption(t("model_registry_holdout", L, version=model.record.version,
                     auc=_figure(m.get("auc")), brier=_figure(m.get("brier")),
                     ece=_figure(m.get("ece")), n=format_number(m.get("n_holdout", 0))))
    scorer = model.scorer
    months = list(getattr(scorer, "train_months_", []))
    if months:
        st.caption(t("model_trained", L, first=months[0], last=months[-1],
                     n=getattr(scorer, "n_train_", 0)))
    st.subheader(t("basis_subheader", L))
    cards.show_basis(basis_view(scorer, L), criteria=True)
    drift = svc.feature_drift_now(scorer, data.leads, month)
    st.subheader(t("drift", L))
    st.altair_chart(svc.drift_chart(drift, L), key="drift_chart")
    st.caption(t("drift_hint", L))
    st.subheader(t("metrics", L))
    if st.button(t("evaluate", L), key="evaluate") or st.session_state.get("model_evaluated"):
        st.session_state["model_evaluated"] = True
        with st.spinner(t("evaluating", L)):
            try:
                view = ui.model_view_cached(ui.county_path(), month, model.key, scorer)
            except Exception as exc:
                st.warning(t("model_unavailable", L, why=exc))
                return
        r = view.report
        st.caption(t("holdout", L, first=view.test_months[0], last=view.test_months[-1],
                     n=r.n))
        cells = st.columns(5)
        cells[0].metric(t("metric_auc", L), f"{r.auc:.3f}")
        cells[1].metric(t("metric_ece", L), f"{r.ece:.3f}")
        cells[2].metric(t("metric_brier", L), f"{r.brier:.3f}")
        cells[3].metric(t("base_rate", L), f"{r.base_rate:.1%}")
        cells[4].metric(t("top_decile_lift", L), f"{r.top_decile_lift:.2f}×")
        c1, c2 = st.columns(2)
        c1.altair_chart(svc.calibration_chart(r, L), key="calibration_chart")
        c2.altair_chart(svc.lift_chart(r, L), key="lift_chart")
        st.altair_chart(svc.importance_chart(r, L), key="importance_chart")
    else:
        st.caption(t("evaluate_hint", L))


def _retrain(model: PlanningModel) -> None:
    """The county's manager (or an admin) retrains its model here, as ``countyreach retrain``
    does: from the store's history, loan book and the outcomes officers recorded; promoted
    only when its held-out visits show it is no worse. The page then runs again, with the
    model promoted (if one was) planning, and says what the retraining found."""
    L = ui.lang()
    signed, loop = ui.signed_in(), ui.store_loop()
    if signed is None or loop is None or signed[1].role not in ("manager", "admin"):
        return
    if model.freshness in ("no_store", "not_stored"):  # no county of the store to train
        return
    st.subheader(t("retrain_title", L))
    st.caption(t("retrain_hint", L))
    if not st.button(t("retrain_button", L), key="retrain", icon=":material/model_training:",
                     type="primary" if model.record is None or model.stale else "secondary"):
        said = st.session_state.get("retrained")
        if said is not None and said[0] == model.county_id:  # after the page ran again
            (st.success if said[1] else st.info)(said[2])
        return
    bar = st.progress(0.0, text=t("stage_check model", L))
    try:
        res = loop.retrain(signed[1], model.county_id, progress=ui.progress_callback(bar))
    except Exception as exc:  # said on the page, in the user's language
        st.error(t("refused", L, why=error_text(exc, L)))
        return
    finally:
        bar.empty()
    lines = [t("retrain_model", L, county=model.county_id, version=res.record.version,
               message=localize(res.message, L)),
             t("retrain_held_out", L, metrics=localize(metric_text(dict(res.record.metrics)), L))]
    if res.previous is not None and res.previous_auc is not None:
        lines.append(t("retrain_previous", L, version=res.previous.version,
                       auc=f"{res.previous_auc:.3f}"))
    changed = res.promoted and (model.record is None
                                or res.record.version != model.record.version)
    # Markdown line breaks: one figure a line, as the command prints them
    st.session_state["retrained"] = (model.county_id, changed,
                                     "  \n".join(x.strip() for x in lines))
    st.rerun()


def _figure(value: object) -> str:
    """A held-out metric with three decimals; "—" when the registry has none (one class)."""
    return f"{value:.3f}" if isinstance(value, float) and math.isfinite(value) else "—"


render()
