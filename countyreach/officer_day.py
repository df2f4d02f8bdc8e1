"""The officer's day: ordered stops, navigation links and exports for the road.

An officer opens the day on a phone, often with a weak signal, and drives with
Amap (高德) or Baidu (百度) navigation. :func:`officer_day` turns a published
plan into an :class:`OfficerDay`: every stop with arrival time, phone, address,
the reason to visit, a ``tel:`` link and one-tap navigation links, plus exports
(CSV, iCalendar, GPX, printable HTML).

Coordinates are WGS-84 everywhere in countyreach. The map apps in China draw
their maps in shifted systems, so the links carry converted coordinates and say
which system they use: Amap gets GCJ-02 with ``coordinate=gaode``, Baidu gets
BD-09 with ``coord_type=bd09ll`` (parameters as documented in Amap's URI API
"路径规划" page and Baidu's URI API "公交、驾车、步行导航" page). GPX stays
WGS-84, as the GPX 1.1 schema requires.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

import geo
from countyreach.csvio import from_wgs84
from countyreach.dates import parse_date
from countyreach.errors import InputError
from countyreach.i18n import industry_label
from countyreach.phones import spreadsheet_phone
from routing.plan import BreakTaken, Plan
from routing.problem import Depot, RoutingProblem, hhmm

__all__ = [
    "DayStop",
    "OfficerDay",
    "officer_day",
    "amap_url",
    "baidu_url",
    "baidu_app_url",
    "tel_url",
    "ics_escape",
    "ics_fold",
]

#: Source tag sent to Amap/Baidu (their docs ask callers to identify themselves).
SRC_AMAP = "countyreach"
SRC_BAIDU_WEB = "webapp.countyreach.officerday"
SRC_BAIDU_APP = "andr.countyreach.officerday"
TZID = "Asia/Shanghai"
GPX_NS = "http://www.topografix.com/GPX/1/1"

_LABELS: Mapping[str, tuple[str, str]] = {
    "seq": ("序号", "No."),
    "arrive": ("到达", "Arrive"),
    "start": ("开始", "Start"),
    "leave": ("离开", "Leave"),
    "name": ("商户", "Business"),
    "phone": ("电话", "Phone"),
    "address": ("地址", "Address"),
    "village": ("村", "Village"),
    "industry": ("行业", "Industry"),
    "why": ("拜访理由", "Why this lead"),
    "navigate": ("导航", "Navigate"),
    "amap": ("高德地图", "Amap"),
    "baidu": ("百度地图", "Baidu Maps"),
    "outcome": ("拜访结果", "Outcome"),
    "outcomes": ("见到 / 不在 / 不需要 / 有意向 / 已申请 / 已批准",
                 "met / not there / not interested / interested / applied / approved"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "notes": ("备注", "Notes"),
    "consent": ("客户同意记录", "Customer consents to recording"),
    "opt_out": ("客户拒绝再次拜访（勿再拜访）", "Customer asks not to be visited again"),
    "leave_start": ("出发", "Leave"),
    "back": ("返回", "Back at"),
    "lunch": ("午餐", "Lunch"),
    "drive": ("驾驶", "Driving"),
    "stops": ("站", "stops"),
    "title": ("客户经理当日拜访单", "Officer's visit sheet"),
    "privacy": ("本单含客户个人信息，仅限本人工作使用，用后销毁。",
                "Contains customers' personal data: for your own work only; destroy after use."),
}


def _label(key: str) -> str:
    zh, en = _LABELS[key]
    return f"{zh} {en}"


@dataclass(frozen=True, slots=True)
class DayStop:
    """One visit of the day, ready to show, dial and navigate to.

    ``lat``/``lon`` are WGS-84; ``gcj_*`` and ``bd_*`` are the same point in
    GCJ-02 (Amap) and BD-09 (Baidu), the systems the navigation links use.
    """

    seq: int
    lead_id: str
    name: str
    phone: str
    address: str
    village: str
    industry: str
    arrival_s: int
    start_s: int
    departure_s: int
    drive_s: int
    distance_m: int
    why: str
    lat: float
    lon: float
    gcj_lat: float
    gcj_lon: float
    bd_lat: float
    bd_lon: float
    tel_url: str
    amap_url: str
    baidu_url: str
    baidu_app_url: str

    @property
    def arrive(self) -> str:
        """Arrival time ``HH:MM``."""
        return hhmm(self.arrival_s)

    @property
    def start(self) -> str:
        """Start of the visit (after waiting for the business's window) ``HH:MM``."""
        return hhmm(self.start_s)

    @property
    def leave(self) -> str:
        """Departure ``HH:MM``."""
        return hhmm(self.departure_s)


def tel_url(phone: str) -> str:
    """A ``tel:`` link keeping only ``+`` and digits (empty when there is no number)."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def _safe_name(name: str) -> str:
    # Amap splits "to" on commas and Baidu splits on "|": full-width look-alikes keep names intact.
    return name.replace(",", "，").replace("|", "｜").strip() or "-"


def _query(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={urllib.parse.quote(v, safe=':,')}" for k, v in params.items())


def amap_url(lat: float, lon: float, name: str) -> str:
    """Amap driving navigation to a WGS-84 point (link carries GCJ-02, ``coordinate=gaode``).

    Parameters
    ----------
    lat, lon : float
        Destination in WGS-84.
    name : str
        Destination label.

    Returns
    -------
    str
        ``https://uri.amap.com/navigation?to=lon,lat,name&mode=car&...&callnative=1``;
        on a phone with Amap installed ``callnative=1`` opens the app.
    """
    g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
    return "https://uri.amap.com/navigation?" + _query({
        "to": f"{float(g_lon):.6f},{float(g_lat):.6f},{_safe_name(name)}",
        "mode": "car",
        "policy": "0",
        "src": SRC_AMAP,
        "coordinate": "gaode",
        "callnative": "1",
    })


def _bd_point(lat: float, lon: float, name: str) -> str:
    b_lat, b_lon = geo.wgs84_to_bd09(lat, lon)
    return f"latlng:{float(b_lat):.6f},{float(b_lon):.6f}|name:{_safe_name(name)}"


def baidu_url(lat: float, lon: float, name: str, *,
              origin: tuple[float, float, str] | None = None) -> str:
    """Baidu web driving directions to a WGS-84 point (link carries BD-09, ``coord_type=bd09ll``).

    Parameters
    ----------
    lat, lon, name
        Destination in WGS-84 and its label.
    origin : (lat, lon, name), optional
        Where the leg starts (WGS-84). Baidu's web page needs an origin; the
        previous stop is the natural one.

    Returns
    -------
    str
        ``https://api.map.baidu.com/direction?origin=...&destination=latlng:lat,lon|name:...
        &mode=driving&coord_type=bd09ll&output=html&src=...``.
    """
    params = {}
    if origin is not None:
        params["origin"] = _bd_point(*origin)
    params.update({
        "destination": _bd_point(lat, lon, name),
        "mode": "driving",
        "coord_type": "bd09ll",
        "output": "html",
        "src": SRC_BAIDU_WEB,
    })
    return "https://api.map.baidu.com/direction?" + _query(params)


def baidu_app_url(lat: float, lon: float, name: str) -> str:
    """Baidu Maps app driving directions from the current position (``baidumap://``, BD-09)."""
    return "baidumap://map/direction?" + _query({
        "destination": _bd_point(lat, lon, name),
        "coord_type": "bd09ll",
        "mode": "driving",
        "src": SRC_BAIDU_APP,
    })


def _default_why(value_yuan: float, pinned: bool, windows: str, lang: str) -> str:
    if lang == "zh":
        parts = [f"预期价值 ¥{value_yuan:,.0f}"]
        if pinned:
            parts.append("已预约")
        if windows:
            parts.append(f"营业时间 {windows}")
        return "；".join(parts)
    parts = [f"expected value ¥{value_yuan:,.0f}"]
    if pinned:
        parts.append("appointment")
    if windows:
        parts.append(f"open {windows}")
    return "; ".join(parts)


@dataclass(frozen=True)
class OfficerDay:
    """An officer's route for one day, ready for the phone, the printer and calendar apps."""

    officer_id: str
    officer_name: str
    plan_date: str
    lang: str
    start: Depot
    end: Depot
    start_s: int
    end_s: int
    drive_s: int
    distance_m: int
    stops: tuple[DayStop, ...]
    lunch: BreakTaken | None = None

    # ------------------------------------------------------------------ CSV
    def to_csv(self, crs: str = "wgs84") -> str:
        """The stops as CSV text for a spreadsheet (one row per stop, header first).

        Columns: ``seq, lead_id, arrive, start, leave, name, phone, address, village,
        industry, why, lat, lon, crs, lat_wgs84, lon_wgs84, amap_url, baidu_url``;
        ``lat``/``lon`` are in ``crs`` (the county's declared system, as in its own files
        and the route exports). The text starts with a byte-order mark so Excel on a
        Chinese desktop reads the names as UTF-8.

        Parameters
        ----------
        crs : {"wgs84", "gcj02", "bd09"}
            The coordinate system of ``lat``/``lon``.
        """
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["seq", "lead_id", "arrive", "start", "leave", "name", "phone", "address",
                    "village", "industry", "why", "lat", "lon", "crs", "lat_wgs84",
                    "lon_wgs84", "amap_url", "baidu_url"])
        for s in self.stops:
            lat, lon = from_wgs84(s.lat, s.lon, crs)
            w.writerow([s.seq, s.lead_id, s.arrive, s.start, s.leave, s.name,
                        spreadsheet_phone(s.phone), s.address, s.village, s.industry, s.why,
                        f"{lat:.6f}", f"{lon:.6f}", crs, f"{s.lat:.6f}", f"{s.lon:.6f}",
                        s.amap_url, s.baidu_url])
        return buf.getvalue()

    # ------------------------------------------------------------------ ICS
    def _moment(self, seconds: int) -> str:
        day = parse_date(self.plan_date)
        t = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=int(seconds))
        return t.strftime("%Y%m%dT%H%M%S")

    def to_ics(self, *, dtstamp: dt.datetime | None = None) -> str:
        """The day as an iCalendar (RFC 5545) document: one VEVENT per visit.

        Times are local to ``Asia/Shanghai`` (UTC+8, no daylight saving) with a
        VTIMEZONE, lines end in CRLF and are folded at 75 octets.

        Parameters
        ----------
        dtstamp : datetime, optional
            Creation stamp (UTC); now by default.
        """
        stamp = (dtstamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        stamp_s = stamp.strftime("%Y%m%dT%H%M%SZ")
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//countyreach//officer day//ZH",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{ics_escape(f'{self.officer_name} {self.plan_date}')}",
            "BEGIN:VTIMEZONE",
            f"TZID:{TZID}",
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            "TZOFFSETFROM:+0800",
            "TZOFFSETTO:+0800",
            "TZNAME:CST",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
        for s in self.stops:
            desc = "\n".join(x for x in (
                f"{_label('arrive')}: {s.arrive}",
                f"{_label('phone')}: {s.phone}" if s.phone else "",
                f"{_label('address')}: {s.address}" if s.address else "",
                f"{_label('why')}: {s.why}" if s.why else "",
                f"{_label('amap')}: {s.amap_url}",
                f"{_label('baidu')}: {s.baidu_url}",
            ) if x)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{ics_escape(f'{self.plan_date}-{self.officer_id}-{s.lead_id}')}"
                "@countyreach",
                f"DTSTAMP:{stamp_s}",
                f"DTSTART;TZID={TZID}:{self._moment(s.start_s)}",
                f"DTEND;TZID={TZID}:{self._moment(max(s.departure_s, s.start_s))}",
                f"SUMMARY:{ics_escape(f'{s.seq}. {s.name}')}",
                f"LOCATION:{ics_escape(s.address or s.village or s.name)}",
                f"GEO:{s.lat:.6f};{s.lon:.6f}",
                f"DESCRIPTION:{ics_escape(desc)}",
                f"URL:{s.amap_url}",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
        return "".join(ics_fold(line) + "\r\n" for line in lines)

    # ------------------------------------------------------------------ GPX
    def to_gpx(self) -> str:
        """The route as GPX 1.1 (WGS-84): a waypoint per visit and the route start → stops → end."""
        ET.register_namespace("", GPX_NS)
        q = f"{{{GPX_NS}}}"
        root = ET.Element(f"{q}gpx", {"version": "1.1", "creator": "countyreach"})
        meta = ET.SubElement(root, f"{q}metadata")
        ET.SubElement(meta, f"{q}name").text = f"{self.officer_name} {self.plan_date}"

        def point(tag: str, parent: ET.Element, lat: float, lon: float, name: str,
                  desc: str = "") -> None:
            el = ET.SubElement(parent, f"{q}{tag}", {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}"})
            ET.SubElement(el, f"{q}name").text = name
            if desc:
                ET.SubElement(el, f"{q}desc").text = desc

        for s in self.stops:
            point("wpt", root, s.lat, s.lon, f"{s.seq}. {s.name}",
                  f"{s.arrive} {s.phone} {s.address}".strip())
        rte = ET.SubElement(root, f"{q}rte")
        ET.SubElement(rte, f"{q}name").text = f"{self.officer_name} {self.plan_date}"
        point("rtept", rte, self.start.location.lat, self.start.location.lon, self.start.name)
        for s in self.stops:
            point("rtept", rte, s.lat, s.lon, f"{s.seq}. {s.name}", s.arrive)
        point("rtept", rte, self.end.location.lat, self.end.location.lon, self.end.name)
        body = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

    # ------------------------------------------------------------------ HTML
    def to_html(self) -> str:
        """A printable, self-contained page (no scripts, no outside resources), 中文 + English."""
        e = html.escape
        head = (
            f"<p>{_label('leave_start')}: {hhmm(self.start_s)} {e(self.start.name)} · "
            f"{_label('back')}: {hhmm(self.end_s)} {e(self.end.name)} · "
            f"{_label('drive')}: {round(self.drive_s / 60)} min / "
            f"{self.distance_m / 1000:.1f} km · {len(self.stops)} {_label('stops')}"
            + (f" · {_label('lunch')}: {hhmm(self.lunch.start_s)}" if self.lunch else "")
            + "</p>")
        rows = []
        for s in self.stops:
            phone = f'<a href="{e(s.tel_url)}">{e(s.phone)}</a>' if s.tel_url else ""
            rows.append(
                "<section class=stop>"
                f"<h2>{s.seq}. {e(s.name)}</h2>"
                f"<p class=t>{_label('arrive')} {s.arrive} · {_label('start')} {s.start} · "
                f"{_label('leave')} {s.leave}</p>"
                f"<p>{_label('phone')}: {phone}</p>"
                f"<p>{_label('address')}: {e(s.address)} · {e(s.village)} · "
                f"{e(s.industry)}</p>"
                f"<p>{_label('why')}: {e(s.why)}</p>"
                f"<p class=nav>{_label('navigate')}: "
                f'<a href="{e(s.amap_url)}">{_label("amap")}</a> · '
                f'<a href="{e(s.baidu_url)}">{_label("baidu")}</a></p>'
                f"<p class=box>{_label('outcome')}: ☐ {e(_LABELS['outcomes'][0])}<br>"
                f"<small>{e(_LABELS['outcomes'][1])}</small></p>"
                f"<p class=box>{_label('amount')}: ________ &nbsp; {_label('notes')}: "
                "______________________</p>"
                f"<p class=box>☐ {_label('consent')} &nbsp; ☐ {_label('opt_out')}</p>"
                "</section>")
        title = f"{e(self.officer_name)} · {e(self.plan_date)} · {_label('title')}"
        lang = "zh-CN" if self.lang == "zh" else "en"
        return (
            f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{title}</title><style>"
            "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:12px;"
            "max-width:760px}h1{font-size:1.3em}h2{font-size:1.1em;margin:4px 0}"
            ".stop{border-bottom:1px solid #999;padding:6px 0;break-inside:avoid}"
            ".t{font-weight:bold}.box{font-size:.95em}.privacy{font-size:.8em;color:#555}"
            "@media print{a{color:#000;text-decoration:none}.nav{display:none}"
            "body{margin:0}}</style></head><body>"
            f"<h1>{title}</h1>{head}{''.join(rows)}"
            f"<p class=privacy>{_label('privacy')}</p></body></html>")


def ics_escape(text: str) -> str:
    """Escape TEXT per RFC 5545 §3.3.11 (backslash, semicolon, comma, newline)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def ics_fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts: list[str] = []
    cur = ""
    size = 0
    room = limit
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > room:
            parts.append(cur)
            cur, size, room = "", 0, limit - 1  # continuation lines start with one space
        cur += ch
        size += n
    parts.append(cur)
    return "\r\n ".join(parts)


def officer_day(problem: RoutingProblem, plan: Plan, officer_id: str,
                explanations: Mapping[str, str] | None = None, lang: str = "zh", *,
                plan_date: str | None = None) -> OfficerDay:
    """Build one officer's day from a plan.

    Parameters
    ----------
    problem, plan
        The day that was solved and its plan.
    officer_id : str
        Whose day.
    explanations : mapping of lead_id to text, optional
        "Why this lead" from the propensity model; a short reason from the
        lead's value, appointment and opening hours is used where missing.
    lang : {"zh", "en"}
        Language of industry names and generated reasons.
    plan_date : str, optional
        ``YYYY-MM-DD``; default the plan's (or the problem's) date.

    Returns
    -------
    OfficerDay
        With no stops when the officer has no route in the plan.

    Raises
    ------
    InputError
        If the officer is not in the problem, or a route stop names an unknown lead.
    """
    officers = problem.officer_by_id
    if officer_id not in officers:
        raise InputError(f"officer {officer_id!r} is not in this plan's problem",
                         field="officer_id")
    officer = officers[officer_id]
    date = plan_date or plan.plan_date or problem.plan_date
    parse_date(date)
    explanations = explanations or {}
    leads = problem.lead_by_id
    route = next((r for r in plan.routes if r.officer_id == officer_id), None)
    stops: list[DayStop] = []
    prev = (officer.start.location.lat, officer.start.location.lon, officer.start.name)
    if route is not None:
        for seq, s in enumerate(route.stops, start=1):
            if s.lead_id not in leads:
                raise InputError(f"route of {officer_id} visits unknown lead {s.lead_id!r}",
                                 field="lead_id")
            ld = leads[s.lead_id]
            lat, lon = ld.location.lat, ld.location.lon
            g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
            b_lat, b_lon = geo.wgs84_to_bd09(lat, lon)
            windows = ", ".join(str(w) for w in ld.windows)
            why = explanations.get(ld.lead_id) or _default_why(
                ld.value_yuan, ld.pinned_officer_id is not None, windows, lang)
            stops.append(DayStop(
                seq=seq, lead_id=ld.lead_id, name=ld.name, phone=ld.phone.strip(),
                address=ld.address, village=ld.village,
                industry=industry_label(ld.industry, lang),
                arrival_s=s.arrival_s, start_s=s.start_s, departure_s=s.departure_s,
                drive_s=s.drive_s, distance_m=s.distance_m, why=why, lat=lat, lon=lon,
                gcj_lat=float(g_lat), gcj_lon=float(g_lon), bd_lat=float(b_lat),
                bd_lon=float(b_lon), tel_url=tel_url(ld.phone),
                amap_url=amap_url(lat, lon, ld.name),
                baidu_url=baidu_url(lat, lon, ld.name, origin=prev),
                baidu_app_url=baidu_app_url(lat, lon, ld.name)))
            prev = (lat, lon, ld.name)
    start_s = route.start_s if route else officer.shift.start_s
    end_s = route.end_s if route else officer.shift.start_s
    return OfficerDay(
        officer_id=officer_id, officer_name=officer.name, plan_date=date, lang=lang,
        start=officer.start, end=officer.end, start_s=start_s, end_s=end_s,
        drive_s=route.drive_s if route else 0, distance_m=route.distance_m if route else 0,
        stops=tuple(stops), lunch=route.lunch if route else None)
