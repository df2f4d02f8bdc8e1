"""The officer's day: stops, navigation links in the right coordinate systems, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

import geo
from countyreach.errors import InputError
from countyreach.officer_day import ics_escape, ics_fold, officer_day, tel_url
from countyreach.store.testing import synthetic_day

GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture()
def day():  # type: ignore[no-untyped-def]
    problem, plan = synthetic_day(3, 4)
    return officer_day(problem, plan, "O02", {"L02-02": "去年贷款按时还清; 订单增加"}, "zh")


def test_stops_in_route_order_with_times_and_contacts(day) -> None:  # type: ignore[no-untyped-def]
    assert [s.lead_id for s in day.stops] == ["L02-01", "L02-02", "L02-03", "L02-04"]
    assert [s.arrive for s in day.stops] == ["08:10", "08:40", "09:10", "09:40"]
    s = day.stops[1]
    assert s.phone == "138 0000 0202" and s.tel_url == "tel:13800000202"
    assert s.why == "去年贷款按时还清; 订单增加"
    assert "预期价值" in day.stops[0].why  # generated where the model gave no reason
    assert day.officer_name == "客户经理2" and day.plan_date == "2025-03-03"


def test_amap_link_carries_gcj02(day) -> None:  # type: ignore[no-untyped-def]
    s = day.stops[0]
    u = urllib.parse.urlsplit(s.amap_url)
    assert (u.scheme, u.netloc, u.path) == ("https", "uri.amap.com", "/navigation")
    q = dict(urllib.parse.parse_qsl(u.query))
    lon, lat, name = q["to"].split(",")
    g_lat, g_lon = geo.wgs84_to_gcj02(s.lat, s.lon)
    assert float(lat) == pytest.approx(float(g_lat), abs=1e-6)
    assert float(lon) == pytest.approx(float(g_lon), abs=1e-6)
    assert abs(float(lat) - s.lat) + abs(float(lon) - s.lon) > 1e-4  # really shifted
    assert name == "测试商户2-1， 分店"  # the comma would split Amap's "to"
    assert q["mode"] == "car" and q["coordinate"] == "gaode" and q["callnative"] == "1"


def test_baidu_links_carry_bd09(day) -> None:  # type: ignore[no-untyped-def]
    s = day.stops[1]
    u = urllib.parse.urlsplit(s.baidu_url)
    assert (u.netloc, u.path) == ("api.map.baidu.com", "/direction")
    q = dict(urllib.parse.parse_qsl(u.query))
    m = re.fullmatch(r"latlng:([\d.]+),([\d.]+)\|name:(.+)", q["destination"])
    assert m
    b_lat, b_lon = geo.wgs84_to_bd09(s.lat, s.lon)
    assert float(m.group(1)) == pytest.approx(float(b_lat), abs=1e-6)
    assert float(m.group(2)) == pytest.approx(float(b_lon), abs=1e-6)
    assert q["coord_type"] == "bd09ll" and q["mode"] == "driving" and q["output"] == "html"
    assert q["src"]
    # the web page needs an origin: the previous stop, in BD-09 too
    prev = day.stops[0]
    o = re.fullmatch(r"latlng:([\d.]+),([\d.]+)\|name:.+", q["origin"])
    assert o and float(o.group(1)) == pytest.approx(float(geo.wgs84_to_bd09(prev.lat,
                                                                            prev.lon)[0]),
                                                    abs=1e-6)
    app = urllib.parse.urlsplit(s.baidu_app_url)
    assert app.scheme == "baidumap" and app.netloc == "map" and app.path == "/direction"
    qa = dict(urllib.parse.parse_qsl(app.query))
    assert qa["destination"] == q["destination"] and qa["coord_type"] == "bd09ll"
    assert (s.bd_lat, s.bd_lon) == pytest.approx((float(b_lat), float(b_lon)))


def _unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_rfc5545(day) -> None:  # type: ignore[no-untyped-def]
    text = day.to_ics(dtstamp=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC))
    assert text.endswith("END:VCALENDAR\r\n")
    for raw in text.split("\r\n"):
        assert len(raw.encode("utf-8")) <= 75
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "TZID:Asia/Shanghai" in lines  # VTIMEZONE for the TZID the events use
    assert lines.count("BEGIN:VEVENT") == 4
    starts = [ln for ln in lines if ln.startswith("DTSTART;")]
    assert starts[0] == "DTSTART;TZID=Asia/Shanghai:20250303T081000"
    assert next(ln for ln in lines if ln.startswith("DTEND;")).endswith("20250303T083000")
    assert "SUMMARY:1. 测试商户2-1\\, 分店" in lines
    loc = next(ln for ln in lines if ln.startswith("LOCATION:"))
    assert loc == "LOCATION:第2组1号\\; 路口"
    assert any(ln.startswith("GEO:35.") for ln in lines)
    assert all(ln.startswith("UID:") and ln.endswith("@countyreach")
               for ln in lines if ln.startswith("UID:"))
    assert "DTSTAMP:20250301T120000Z" in lines


def test_ics_folding_never_splits_a_character() -> None:
    line = "DESCRIPTION:" + "庆祖镇韩氏服装厂" * 20
    folded = ics_fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert ics_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_gpx_is_wgs84_route(day) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(day.to_gpx().encode("utf-8"))
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    pts = root.findall(f"{GPX}rte/{GPX}rtept")
    assert len(pts) == 4 + 2  # start, stops, end
    assert pts[1].findtext(f"{GPX}name") == "1. 测试商户2-1, 分店"
    s = day.stops[0]
    assert float(pts[1].get("lat")) == pytest.approx(s.lat, abs=1e-7)  # WGS-84, unshifted
    assert float(pts[1].get("lon")) == pytest.approx(s.lon, abs=1e-7)
    assert len(root.findall(f"{GPX}wpt")) == 4


def test_csv_round_trips(day) -> None:  # type: ignore[no-untyped-def]
    text = day.to_csv()
    assert text.startswith("\ufeff")  # Excel on a Chinese desktop reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["lead_id"] for r in rows] == ["L02-01", "L02-02", "L02-03", "L02-04"]
    assert rows[0]["name"] == "测试商户2-1, 分店" and rows[0]["arrive"] == "08:10"
    assert rows[0]["amap_url"] == day.stops[0].amap_url


def test_csv_gives_places_in_the_countys_system(day) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(day.to_csv("gcj02")[1:])))
    s = day.stops[0]
    lat, lon = geo.wgs84_to_gcj02(s.lat, s.lon)
    assert rows[0]["crs"] == "gcj02"
    assert float(rows[0]["lat"]) == pytest.approx(lat, abs=1e-6)
    assert float(rows[0]["lon"]) == pytest.approx(lon, abs=1e-6)
    assert float(rows[0]["lat_wgs84"]) == pytest.approx(s.lat, abs=1e-6)


def test_html_is_printable_offline_and_bilingual(day) -> None:  # type: ignore[no-untyped-def]
    page = day.to_html()
    assert "<script" not in page and not re.search(r"(src|href)=['\"]?//", page)
    assert not re.search(r"<link|@import|url\(", page)
    for label in ("到达 Arrive", "电话 Phone", "拜访理由 Why this lead", "高德地图 Amap",
                  "@media print"):
        assert label in page
    assert 'href="tel:13800000202"' in page
    assert page.count("class=stop") == 4


def test_html_escapes_what_the_data_says() -> None:
    from dataclasses import replace

    problem, plan = synthetic_day(1, 1)
    lead = replace(problem.leads[0], name="<script>alert(1)</script>")
    from routing.problem import RoutingProblem

    p2 = RoutingProblem((lead,), problem.officers, problem.matrix, plan_date="2025-03-03")
    page = officer_day(p2, plan, "O01").to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_officer_without_route_gets_an_empty_day() -> None:
    problem, plan = synthetic_day(2, 2)
    from dataclasses import replace

    empty = replace(plan, routes=plan.routes[:1])
    d = officer_day(problem, empty, "O02")
    assert d.stops == () and "BEGIN:VEVENT" not in d.to_ics()
    with pytest.raises(InputError):
        officer_day(problem, plan, "O99")


def test_ics_needs_a_real_date() -> None:
    problem, plan = synthetic_day(1, 1, plan_date="")
    with pytest.raises(InputError, match="plan_date.*expected a date"):
        officer_day(problem, plan, "O01")
    assert tel_url("") == "" and tel_url("+86 138-0000-0001") == "tel:+8613800000001"
