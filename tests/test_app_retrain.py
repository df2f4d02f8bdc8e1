"""A county's manager retrains its model on the Model page, as ``countyreach retrain`` does:
a county imported without a model gets its first one, the page plans with it from then on,
and a retraining with nothing new trains nothing. Planners and officers are not offered it."""

from __future__ import annotations

from countyreach.i18n import t
from tests.test_app_store_model import (  # noqa: F401  (fixture)
    COUNTY,
    World,
    _notice,
    _open,
    _texts,
    imported,
)


def test_a_manager_retrains_the_county_on_the_model_page(imported: World) -> None:  # noqa: F811
    w = imported
    page = _open(w.store, "model", lang="zh")
    assert _notice("model_file_not_trained", "zh") in _texts(page, "info")
    assert t("retrain_title", "zh") in [str(h.value) for h in page.subheader]

    page.button(key="retrain").click().run()
    assert not page.exception, page.exception
    assert not page.error, _texts(page, "error")
    promoted = w.store.promoted_model(w.admin, COUNTY)
    assert promoted is not None and promoted.version == 1
    said = _texts(page, "success")
    assert len(said) == 1 and f"模型 {COUNTY} v1" in said[0] and "留出" in said[0]
    # the page plans with it now
    assert _notice("model_store_current", "zh", 1) in _texts(page, "caption")
    assert _notice("model_file_not_trained", "zh") not in _texts(page, "info")

    # nothing new since: said so, nothing trained
    page.button(key="retrain").click().run()
    assert not page.exception, page.exception
    assert [m.version for m in w.store.models(w.admin, COUNTY)] == [1]
    assert not _texts(page, "success")
    assert any("v1" in s and "无需重新训练" in s for s in _texts(page, "info")), \
        _texts(page, "info")


def test_planners_and_officers_are_not_offered_retraining(imported: World) -> None:  # noqa: F811
    for user in ("demo-planner", "demo-o01"):
        page = _open(imported.store, "model", user=user)
        assert not [b for b in page.button if b.key == "retrain"], user
