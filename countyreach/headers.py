"""The column headers a lender's files may use for the columns countyreach reads.

A branch's spreadsheet is written in Chinese (客户编号, 纬度, 经度 …) or exported with headers
such as ``Lead ID``; :func:`canonical_header` reads each as the column it names, so the same
file plans whichever way its header is written. This module is the one table of those names
(:func:`countyreach.csvio.read_csv_table` applies it to every file it reads); a header it
does not know is kept as written (a model feature of the lender's own, say). A header that
names a column in one kind of file only (an officers file's 姓名 is the officer's name; a
leads file's may be the owner's, beside the business's 名称) is in :data:`TABLE_HEADERS`,
read so in that kind of file alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["ZH_HEADERS", "TABLE_HEADERS", "canonical_header", "zh_header"]

#: Column -> the Chinese headers read as it, the first the one the documentation names.
ZH_HEADERS: Mapping[str, tuple[str, ...]] = {
    # leads
    "lead_id": ("客户编号", "客户ID", "客户id", "商户编号"),
    # not 姓名 nor 手机, 详细地址: a lead file may hold the owner's name, a mobile beside a
    # landline, a street beside a village address, and two headers of one column are refused
    "name": ("名称", "客户名称", "企业名称", "商户名称"),
    "industry": ("行业",),
    "village": ("村", "村庄", "所在村", "村名"),
    "lat": ("纬度",),
    "lon": ("经度",),
    "phone": ("电话", "联系电话"),
    "address": ("地址",),
    "service_min": ("拜访时长（分钟）", "拜访分钟", "服务时长（分钟）"),
    "windows": ("可拜访时间", "时间窗", "营业时间"),
    "pinned_officer_id": ("预约客户经理", "指定客户经理"),
    "load": ("物料数", "携带物料"),
    "years_operating": ("经营年限",),
    "staff": ("员工数", "员工人数"),
    "revenue_band": ("营收档次", "营业额档次"),
    "mobile_pay_flow_yuan": ("移动支付流水（元）", "移动支付流水"),
    "has_existing_loan": ("是否已有贷款", "已有贷款"),
    "past_contacts": ("过往接触次数", "接触次数"),
    "past_refusals": ("过往拒绝次数", "拒绝次数"),
    # officers
    "officer_id": ("客户经理编号", "工号"),
    "start_kind": ("出发地类型",),
    "start_name": ("出发地",),
    "start_lat": ("出发地纬度", "出发纬度"),
    "start_lon": ("出发地经度", "出发经度"),
    "end_kind": ("返回地类型",),
    "end_name": ("返回地",),
    "end_lat": ("返回地纬度", "返回纬度"),
    "end_lon": ("返回地经度", "返回经度"),
    "shift_start": ("上班时间",),
    "shift_end": ("下班时间",),
    "max_drive_min": ("最长驾驶（分钟）", "最长驾驶分钟"),
    "max_visits": ("最多拜访数", "最多拜访"),
    "capacity": ("可携带物料数",),
    "skills": ("擅长行业",),
    "localities": ("负责村",),
    "lunch_start": ("午休最早开始",),
    "lunch_end": ("午休最晚开始",),
    "lunch_min": ("午休分钟", "午休时长（分钟）"),
    # branches
    "branch_id": ("网点编号", "支行编号"),
    # the loan book, visit history and outcomes
    "month": ("月份",),
    "loan_yuan": ("贷款金额（元）", "贷款金额"),
    "defaulted": ("是否违约", "违约"),
    "visited_by_policy": ("是否拜访",),
    "took_loan": ("是否贷款",),
    "county_id": ("县编号",),
    "plan_date": ("计划日期", "拜访日期"),
    "outcome": ("结果", "拜访结果"),
    # accounts (countyreach users import)
    "username": ("用户名", "账号"),
    "role": ("角色",),
    "region": ("区域",),
}

#: Kind of file -> column -> Chinese headers read as that column in that kind of file only,
#: before :data:`ZH_HEADERS` (the first the one its missing-column message names).
TABLE_HEADERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # a roster names people: 姓名 is the officer's (a roster has no phone or address column)
    "officers": {"name": ("姓名", "客户经理姓名")},
}

# one form of each header: full-width brackets, no spaces, lower case (ASCII only)
_SPACES = re.compile(r"[\s\u3000]+")


def _key(text: str) -> str:
    return _SPACES.sub("", text.replace("(", "（").replace(")", "）")).lower()


_BY_KEY: dict[str, str] = {_key(c): c for c in ZH_HEADERS}
_BY_KEY.update({_key(c.replace("_", " ")): c for c in ZH_HEADERS})
_BY_KEY.update({_key(zh): col for col, names in ZH_HEADERS.items() for zh in names})
_BY_TABLE: dict[str, dict[str, str]] = {
    table: {_key(zh): col for col, names in columns.items() for zh in names}
    for table, columns in TABLE_HEADERS.items()}


def canonical_header(text: str, table: str | None = None) -> str:
    """The column a header names: ``纬度`` is ``lat``, ``Lead ID`` is ``lead_id``.

    Parameters
    ----------
    text : str
        A header cell as written (spaces, full- or half-width brackets, any case).
    table : str, optional
        The kind of file (a key of :data:`TABLE_HEADERS`, ``"officers"``): its own headers
        are read too.

    Returns
    -------
    str
        The column's name, or ``text`` stripped when it names none this table knows.
    """
    stripped = text.strip()
    key = _key(stripped)
    return _BY_TABLE.get(table or "", {}).get(key) or _BY_KEY.get(key, stripped)


def zh_header(column: str, table: str | None = None) -> str | None:
    """The Chinese header the documentation names for ``column`` (``lat``: 纬度), if any: in
    a ``table`` with headers of its own (:data:`TABLE_HEADERS`), its own first."""
    names = TABLE_HEADERS.get(table or "", {}).get(column) or ZH_HEADERS.get(column)
    return names[0] if names else None
