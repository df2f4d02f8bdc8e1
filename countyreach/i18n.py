"""Interface text of the app in Chinese and English.

Every label the Streamlit app shows comes from :data:`STRINGS` through
:func:`t`, so a page can be switched between 中文 and English at any time and a
test can check that no key lacks a translation.
"""

from __future__ import annotations

from collections.abc import Mapping

from propensity.outcomes import Outcome

__all__ = [
    "LANGS",
    "STRINGS",
    "INDUSTRY",
    "DROP_REASON",
    "OUTCOMES",
    "PLAN_STATUS",
    "t",
    "industry_label",
    "drop_reason_label",
    "outcome_label",
    "status_label",
]

#: Supported interface languages, the default first.
LANGS: tuple[str, ...] = ("zh", "en")

STRINGS: Mapping[str, Mapping[str, str]] = {
    # app frame
    "app_title": {"zh": "县域走访助手", "en": "countyreach"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "role": {"zh": "我是", "en": "I am"},
    "role_manager": {"zh": "区域经理", "en": "Manager"},
    "role_officer": {"zh": "客户经理", "en": "Field officer"},
    "role_planner": {"zh": "规划人员", "en": "Planner"},
    "page_manager": {"zh": "经理 · 今日计划", "en": "Manager · plan the day"},
    "page_officer": {"zh": "我的走访", "en": "Officer · my visits"},
    "page_leads": {"zh": "客户线索", "en": "Leads"},
    "page_planner": {"zh": "规划 · 新县覆盖", "en": "Planner · coverage"},
    "page_model": {"zh": "模型报告", "en": "Model"},
    "county": {"zh": "地区", "en": "Region"},
    "loading_county": {"zh": "正在加载路网和客户……", "en": "Loading roads and leads…"},
    "county_error": {"zh": "无法加载该地区", "en": "Cannot load this region"},
    "basemap": {"zh": "在线底图（需联网）", "en": "Online basemap (needs internet)"},
    "basemap_help": {"zh": "离线时地图用本地路网、边界和村庄绘制",
                     "en": "Offline the map is drawn from the local roads, boundary and villages"},
    "attribution": {"zh": "路网与村庄 © OpenStreetMap 贡献者 (ODbL)；客户为模拟数据",
                    "en": "Roads and villages © OpenStreetMap contributors (ODbL); leads are "
                          "synthetic"},
    # manager
    "plan_date": {"zh": "日期", "en": "Date"},
    "officers_on_duty": {"zh": "今日上岗客户经理", "en": "Officers working"},
    "time_limit": {"zh": "优化时间（秒）", "en": "Optimiser time (s)"},
    "skills_policy": {"zh": "专长匹配", "en": "Skill matching"},
    "locality_policy": {"zh": "属地匹配", "en": "Locality matching"},
    "policy_hard": {"zh": "必须", "en": "required"},
    "policy_soft": {"zh": "优先", "en": "preferred"},
    "policy_off": {"zh": "不考虑", "en": "ignored"},
    "plan_button": {"zh": "生成路线", "en": "Plan the day"},
    "reoptimise": {"zh": "重新优化", "en": "Re-optimise"},
    "planning": {"zh": "正在规划……", "en": "Planning…"},
    "stage_read files": {"zh": "读取文件", "en": "reading files"},
    "stage_load roads": {"zh": "加载路网", "en": "loading roads"},
    "stage_snap places": {"zh": "匹配道路", "en": "snapping to roads"},
    "stage_score leads": {"zh": "客户评分", "en": "scoring leads"},
    "stage_travel times": {"zh": "计算行车时间", "en": "travel times"},
    "stage_optimise routes": {"zh": "优化路线", "en": "optimising routes"},
    "stage_check plan": {"zh": "校验计划", "en": "checking the plan"},
    "stage_done": {"zh": "完成", "en": "done"},
    "no_plan_yet": {"zh": "选择日期和客户经理后点击“生成路线”。",
                    "en": "Choose the date and officers, then press “Plan the day”."},
    "plan_status": {"zh": "计划状态", "en": "Plan status"},
    "plan_summary": {"zh": "{date}：{visits} 次走访，{officers} 名客户经理，用时 {secs:.1f} 秒",
                     "en": "{date}: {visits} visits by {officers} officers, planned in "
                           "{secs:.1f} s"},
    "checker_ok": {"zh": "独立校验：无违规", "en": "Independent check: no violations"},
    "checker_bad": {"zh": "独立校验发现 {n} 处问题",
                    "en": "Independent check found {n} problem(s)"},
    "kpi_visits": {"zh": "走访", "en": "Visits"},
    "kpi_drive_h": {"zh": "驾车（小时）", "en": "Driving (h)"},
    "kpi_distance_km": {"zh": "里程（公里）", "en": "Distance (km)"},
    "kpi_loans": {"zh": "预计放款笔数", "en": "Expected loans"},
    "kpi_loan_yuan": {"zh": "预计放款额（元）", "en": "Expected lending (¥)"},
    "kpi_value": {"zh": "预期价值（元）", "en": "Expected value (¥)"},
    "kpi_dropped": {"zh": "未安排", "en": "Left out"},
    "officer": {"zh": "客户经理", "en": "Officer"},
    "total": {"zh": "合计", "en": "Total"},
    "start": {"zh": "出发", "en": "Start"},
    "end": {"zh": "返回", "en": "Back"},
    "routes": {"zh": "路线", "en": "Routes"},
    "dropped_leads": {"zh": "未安排的客户及原因", "en": "Leads left out and why"},
    "reason": {"zh": "原因", "en": "Reason"},
    "needed_value": {"zh": "需达到价值（元）", "en": "Would need (¥)"},
    "adjust": {"zh": "调整计划", "en": "Adjust the plan"},
    "assign_lead": {"zh": "把客户指派给", "en": "Assign lead to"},
    "lead": {"zh": "客户", "en": "Lead"},
    "pin": {"zh": "固定指派", "en": "Pin"},
    "unpin_all": {"zh": "清除全部固定", "en": "Clear all pins"},
    "lock_route": {"zh": "锁定该经理路线", "en": "Lock this officer's route"},
    "pins": {"zh": "已固定：{n}", "en": "Pinned: {n}"},
    "pinned_to": {"zh": "{lead} → {officer}", "en": "{lead} → {officer}"},
    "publish": {"zh": "发布计划", "en": "Publish the plan"},
    "published": {"zh": "计划已发布（编号 {plan_id}）", "en": "Plan published (id {plan_id})"},
    "published_local": {"zh": "计划已发布（本次会话）",
                        "en": "Plan published (this session)"},
    "download_plan": {"zh": "下载计划 (JSON)", "en": "Download plan (JSON)"},
    "map": {"zh": "地图", "en": "Map"},
    "legend": {"zh": "图例：线为各经理沿真实道路的路线；点的颜色越深价值越高；"
                     "彩色边框为已安排（经理颜色），黑色边框为未安排（悬停查看原因）；白色大圆点为出发/返回地",
               "en": "Legend: lines are each officer's route along the roads; darker dots are "
                     "worth more; a coloured rim means planned (officer's colour), a black rim "
                     "left out (hover for the reason); large white dots are starts and ends"},
    "col_seq": {"zh": "序号", "en": "#"},
    "col_lead_id": {"zh": "编号", "en": "ID"},
    "col_drive_min": {"zh": "车程（分钟）", "en": "Drive (min)"},
    "col_detail": {"zh": "说明", "en": "Detail"},
    # officer
    "choose_officer": {"zh": "我是", "en": "I am"},
    "no_published": {"zh": "今天还没有计划。请经理先生成并发布计划。",
                     "en": "No plan for today yet. Ask your manager to plan and publish the day."},
    "showing_draft": {"zh": "显示经理的草稿计划（尚未发布）",
                      "en": "Showing the manager's draft (not yet published)"},
    "no_visits": {"zh": "今天没有安排走访。", "en": "No visits today."},
    "my_day": {"zh": "{n} 次走访 · {start}–{end} · 驾车 {drive_h:.1f} 小时",
               "en": "{n} visits · {start}–{end} · {drive_h:.1f} h driving"},
    "call": {"zh": "拨打电话", "en": "Call"},
    "navigate_amap": {"zh": "高德导航", "en": "Amap"},
    "navigate_baidu": {"zh": "百度导航", "en": "Baidu"},
    "why_lead": {"zh": "为什么拜访", "en": "Why this lead"},
    "outcome": {"zh": "走访结果", "en": "Outcome"},
    "consent": {"zh": "客户同意记录", "en": "Customer agrees to recording"},
    "opt_out": {"zh": "客户要求勿再拜访", "en": "Do not visit again"},
    "needs_consent": {"zh": "申请/批准需客户同意记录",
                      "en": "Applied/approved needs the customer's consent"},
    "sign_in": {"zh": "登录（数据库）", "en": "Sign in (database)"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "signed_in": {"zh": "已登录：{user}（{role}）", "en": "Signed in: {user} ({role})"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "sign_in_failed": {"zh": "登录失败：{why}", "en": "Sign-in failed: {why}"},
    "store_off": {"zh": "未登录：计划和结果仅保存在本服务器内存中。",
                  "en": "Not signed in: plans and outcomes live in this server's memory only."},
    "save": {"zh": "保存", "en": "Save"},
    "saved": {"zh": "已保存：{outcome}", "en": "Saved: {outcome}"},
    "offline_sheet": {"zh": "下载离线清单 (HTML)", "en": "Download offline sheet (HTML)"},
    "offline_hint": {"zh": "信号不好时打开离线清单，结果可稍后补录。",
                     "en": "No signal? Open the offline sheet; record outcomes later."},
    "export_calendar": {"zh": "日历 (ICS)", "en": "Calendar (ICS)"},
    "export_gpx": {"zh": "轨迹 (GPX)", "en": "Track (GPX)"},
    "export_csv": {"zh": "表格 (CSV)", "en": "Table (CSV)"},
    "arrive": {"zh": "到达", "en": "Arrive"},
    "leave": {"zh": "离开", "en": "Leave"},
    "lunch": {"zh": "午餐", "en": "Lunch"},
    "drive_min": {"zh": "车程 {m} 分钟", "en": "{m} min drive"},
    "value": {"zh": "预期价值", "en": "Expected value"},
    # leads
    "filters": {"zh": "筛选", "en": "Filters"},
    "industry": {"zh": "行业", "en": "Industry"},
    "cluster": {"zh": "产业集群", "en": "Cluster"},
    "village": {"zh": "村庄", "en": "Village"},
    "score_band": {"zh": "评分档", "en": "Score band"},
    "band_high": {"zh": "高", "en": "high"},
    "band_medium": {"zh": "中", "en": "medium"},
    "band_low": {"zh": "低", "en": "low"},
    "band_none": {"zh": "不拜访", "en": "do not visit"},
    "no_cluster": {"zh": "（无集群）", "en": "(no cluster)"},
    "n_leads": {"zh": "{n} 个客户", "en": "{n} leads"},
    "explain": {"zh": "查看客户说明", "en": "Explain a lead"},
    "p_uptake": {"zh": "贷款概率", "en": "P(loan)"},
    "loan_yuan": {"zh": "预计贷款额（元）", "en": "Loan if taken (¥)"},
    "p_default": {"zh": "违约概率", "en": "P(default)"},
    "name": {"zh": "名称", "en": "Name"},
    "phone": {"zh": "电话", "en": "Phone"},
    "address": {"zh": "地址", "en": "Address"},
    "scores_need_model": {"zh": "尚无评分：需要先训练模型（history.csv）。",
                          "en": "No scores yet: the model needs training (history.csv)."},
    # planner
    "planner_intro": {"zh": "模拟不同客户经理人数下新县的覆盖率和收益。",
                      "en": "Simulate coverage and yield of a new county for different numbers "
                            "of officers."},
    "n_officers_range": {"zh": "客户经理人数范围", "en": "Officers (range)"},
    "sim_days": {"zh": "模拟天数", "en": "Days simulated"},
    "run_sim": {"zh": "运行模拟", "en": "Run simulation"},
    "coverage_vs_officers": {"zh": "覆盖率与人数", "en": "Coverage vs officers"},
    "value_vs_officers": {"zh": "收益与人数", "en": "Value vs officers"},
    "sim_world": {"zh": "县域", "en": "County"},
    "sim_world_county": {"zh": "当前地区（真实路网）", "en": "This region (real roads)"},
    "sim_world_tangxian": {"zh": "唐县（直线距离估算）",
                           "en": "Tang county (straight-line estimate)"},
    "sim_strategies": {"zh": "驻点选址方式", "en": "Where officers are based"},
    "sim_step": {"zh": "人数步长", "en": "Step"},
    "sim_weeks": {"zh": "模拟周数", "en": "Weeks simulated"},
    "sim_seeds": {"zh": "重复次数", "en": "Repeats (seeds)"},
    "sim_day_limit": {"zh": "每日优化时间（秒）", "en": "Solver time per day (s)"},
    "sim_running": {"zh": "正在模拟……", "en": "Simulating…"},
    "sim_approximate": {"zh": "该县无路网数据：行车时间按直线距离估算，结果仅供参考。",
                        "en": "No road data for this county: travel times are straight-line "
                              "estimates, treat the results as approximate."},
    "sim_recommend": {"zh": "建议 {n} 名客户经理（{strategy}），覆盖率 {coverage:.0%}",
                      "en": "Recommended: {n} officers ({strategy}), coverage {coverage:.0%}"},
    # model
    "model_intro": {"zh": "客户评分模型的表现：校准、提升度、特征重要性、训练后的漂移。",
                    "en": "How the lead model performs: calibration, lift, feature importance, "
                          "drift since training."},
    "calibration": {"zh": "校准曲线", "en": "Calibration"},
    "lift": {"zh": "提升度", "en": "Lift"},
    "importance": {"zh": "特征重要性", "en": "Feature importance"},
    "drift": {"zh": "数据漂移", "en": "Drift since training"},
    "model_unavailable": {"zh": "模型报告不可用：{why}", "en": "Model report unavailable: {why}"},
    "predicted": {"zh": "预测概率", "en": "Predicted"},
    "observed": {"zh": "实际比例", "en": "Observed"},
    "metrics": {"zh": "指标", "en": "Metrics"},
    "retrain": {"zh": "重新训练", "en": "Retrain"},
    "model_trained": {"zh": "模型训练数据：{first} 至 {last}，共 {n} 次走访",
                      "en": "Trained on visits {first} to {last} ({n} visits)"},
    "drift_hint": {"zh": "PSI < 0.1 稳定，0.1–0.25 中度变化，> 0.25 明显变化（建议重新训练）。"
                         "季节性特征按设计随月份变化，未列入。",
                   "en": "PSI < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift (retrain). "
                         "Seasonal features change by design and are left out."},
    "evaluate": {"zh": "评估模型（约 1–2 分钟）", "en": "Evaluate the model (1–2 min)"},
    "evaluate_hint": {"zh": "用最近 6 个月的走访检验：模型只用更早的数据训练。",
                      "en": "Tested on the last 6 months of visits by a model trained only on "
                            "the months before."},
    "evaluating": {"zh": "正在评估……", "en": "Evaluating…"},
    "holdout": {"zh": "检验期 {first} 至 {last}，{n} 次走访（训练未使用）",
                "en": "Held-out months {first} to {last}: {n} visits not used in training"},
    "base_rate": {"zh": "平均贷款率", "en": "Base rate"},
    "top_decile_lift": {"zh": "前 10% 提升度", "en": "Top-decile lift"},
}

INDUSTRY: Mapping[str, Mapping[str, str]] = {
    "jade_carving": {"zh": "玉雕", "en": "jade carving"},
    "kids_bicycles": {"zh": "童车", "en": "kids' bicycles"},
    "toys": {"zh": "玩具", "en": "toys"},
    "pumpkin": {"zh": "南瓜种植", "en": "pumpkin"},
    "jujube": {"zh": "红枣", "en": "jujube"},
    "sheep_farm": {"zh": "养羊", "en": "sheep farm"},
    "cattle_farm": {"zh": "养牛", "en": "cattle farm"},
    "fish_feed": {"zh": "鱼饲料", "en": "fish feed"},
    "clothing": {"zh": "服装", "en": "clothing"},
    "small_shop": {"zh": "小商店", "en": "small shop"},
}

DROP_REASON: Mapping[str, Mapping[str, str]] = {
    "unreachable": {"zh": "道路不可达", "en": "no road to it"},
    "outside_every_shift": {"zh": "不在任何人班次内", "en": "outside every shift"},
    "no_matching_skill": {"zh": "无对口专长", "en": "no officer with the skill"},
    "no_local_officer": {"zh": "无属地经理", "en": "no local officer"},
    "time_window_impossible": {"zh": "营业时间无法赶到", "en": "opening hours cannot be met"},
    "not_worth_detour": {"zh": "价值不抵绕路", "en": "not worth the detour"},
    "already_visited": {"zh": "今日已拜访", "en": "already visited"},
    "no_capacity_left": {"zh": "人手已满", "en": "no capacity left"},
    "ranked_below_the_day": {"zh": "价值低于今日候选", "en": "ranked below the day's candidates"},
}

#: Outcomes an officer records after a visit, in the order shown (two taps: pick, save);
#: the codes are :class:`propensity.outcomes.Outcome` (the one outcome vocabulary).
OUTCOMES: Mapping[str, Mapping[str, str]] = {
    Outcome.MET: {"zh": "已见面", "en": "Met"},
    Outcome.NOT_THERE: {"zh": "不在", "en": "Nobody there"},
    Outcome.NOT_INTERESTED: {"zh": "不需要", "en": "Not interested"},
    Outcome.INTERESTED: {"zh": "有意向", "en": "Interested"},
    Outcome.APPLIED: {"zh": "已申请", "en": "Applied"},
    Outcome.APPROVED: {"zh": "已批准", "en": "Approved"},
}

PLAN_STATUS: Mapping[str, Mapping[str, str]] = {
    "optimal": {"zh": "最优", "en": "optimal"},
    "feasible": {"zh": "可行", "en": "feasible"},
    "partial": {"zh": "部分（有预约未能安排）", "en": "partial (an appointment could not be kept)"},
    "infeasible": {"zh": "无可行方案", "en": "infeasible"},
    "timeout": {"zh": "超时未找到方案", "en": "no solution in the time limit"},
}


def _pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str | None:
    entry = table.get(key)
    if entry is None:
        return None
    return entry.get(lang) or entry.get("en")


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """Interface text for ``key`` in ``lang``, formatted with ``fmt``.

    Parameters
    ----------
    key : str
        A key of :data:`STRINGS`.
    lang : {"zh", "en"}
        Interface language; unknown languages fall back to English.
    **fmt
        Values for ``{placeholders}`` in the text.

    Returns
    -------
    str
        The text; an unknown key is returned as is so a missing label is
        visible instead of crashing a page.
    """
    text = _pick(STRINGS, key, lang)
    if text is None:
        return key
    return text.format(**fmt) if fmt else text


def industry_label(code: str, lang: str) -> str:
    """Display name of an industry code (the code itself when unknown)."""
    return _pick(INDUSTRY, code, lang) or code


def drop_reason_label(reason: str, lang: str) -> str:
    """Display text of a :class:`~countyreach.types.DropReason` value."""
    return _pick(DROP_REASON, str(reason), lang) or str(reason)


def outcome_label(code: str, lang: str) -> str:
    """Display text of a visit outcome code."""
    return _pick(OUTCOMES, code, lang) or code


def status_label(status: str, lang: str) -> str:
    """Display text of a :class:`~countyreach.types.PlanStatus` value."""
    return _pick(PLAN_STATUS, str(status), lang) or str(status)
