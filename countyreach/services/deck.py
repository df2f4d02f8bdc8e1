"""The pydeck map of :class:`~countyreach.services.maps.MapData`, offline by default.

The offline map uses a style with no tile source, so the browser never contacts a
tile, font or sprite server; the online Carto basemap is an option, turned on by
default only when :func:`basemap_reachable` says its server answers.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from countyreach.services.maps import MapData

if TYPE_CHECKING:
    import pydeck

__all__ = [
    "OFFLINE_STYLE",
    "offline_style_url",
    "BASEMAP_STYLE_URL",
    "basemap_reachable",
    "view_for",
    "build_deck",
]

#: Map style with no tile source: a plain paper-coloured background.
OFFLINE_STYLE: dict[str, Any] = {
    "version": 8,
    "name": "countyreach-offline",
    "sources": {},
    "layers": [{"id": "paper", "type": "background",
                "paint": {"background-color": "#f4f2ec"}}],
}


def offline_style_url() -> str:
    """:data:`OFFLINE_STYLE` as a ``data:`` URL (what the map component accepts)."""
    text = json.dumps(OFFLINE_STYLE, separators=(",", ":"))
    return "data:application/json," + urllib.parse.quote(text)


#: Style of the optional online basemap (Carto "positron", what pydeck's "light" names).
BASEMAP_STYLE_URL = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"


def basemap_reachable(url: str = BASEMAP_STYLE_URL, timeout_s: float = 1.5) -> bool:
    """Whether the online basemap's style can be fetched from here (a quick probe).

    The app turns the tile basemap on by default only when this is true; the
    offline layers are drawn either way.
    """
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"),
                                    timeout=timeout_s) as resp:
            return bool(200 <= resp.status < 400)
    except (OSError, ValueError):
        return False


#: Village names are Chinese: prefer CJK fonts (quoted, as pydeck wants literal strings).
_CJK_FONTS = ("'\"Noto Sans CJK SC\", \"WenQuanYi Micro Hei\", \"Microsoft YaHei\", "
              "\"PingFang SC\", sans-serif'")


def view_for(lons: Sequence[float], lats: Sequence[float], width_px: int = 700,
             height_px: int = 560) -> dict[str, float]:
    """Centre and zoom that fit the points in a map of the given size.

    Returns
    -------
    dict
        ``latitude, longitude, zoom``.
    """
    lo = np.asarray(lons, dtype=float)
    la = np.asarray(lats, dtype=float)
    if lo.size == 0:
        return {"latitude": 35.0, "longitude": 105.0, "zoom": 4.0}
    lon0, lon1, lat0, lat1 = lo.min(), lo.max(), la.min(), la.max()
    # Web-Mercator as deck.gl draws it: 512 px span 360 degrees at zoom 0; latitudes are
    # stretched by 1/cos(lat).
    span_x = max(lon1 - lon0, 1e-4)
    span_y = max(lat1 - lat0, 1e-4) / max(math.cos(math.radians((lat0 + lat1) / 2)), 0.1)
    zoom = min(math.log2(360 * width_px / 512 / span_x), math.log2(360 * height_px / 512 / span_y))
    return {"latitude": float((lat0 + lat1) / 2), "longitude": float((lon0 + lon1) / 2),
            "zoom": round(float(zoom) - 0.15, 2)}



def build_deck(md: MapData, *, basemap: bool = False, height_px: int = 560) -> pydeck.Deck:
    """A pydeck map of the layers, drawn offline unless ``basemap`` is set.

    Layers bottom to top: boundary, roads, routes, leads, pins, stop numbers, depots, village
    names.
    With ``basemap=False`` no tile server is contacted (``map_provider=None``).

    Parameters
    ----------
    md : MapData
    basemap : bool
        Add the Carto light basemap (needs internet).
    height_px : int
        Height the view is fitted to.
    """
    import pydeck as pdk

    layers = []
    if md.boundary:
        layers.append(pdk.Layer(
            "PathLayer", data=[{"path": md.boundary}], id="boundary", get_path="path",
            get_color=[60, 60, 60, 200], width_min_pixels=2, get_width=2,
            width_units="'pixels'", pickable=False))
    if md.roads:
        layers.append(pdk.Layer(
            "PathLayer", data=md.roads, id="roads", get_path="path", get_color="color",
            get_width="width", width_units="'pixels'", width_min_pixels=1, pickable=False))
    if md.routes:
        layers.append(pdk.Layer(
            "PathLayer", data=md.routes, id="routes", get_path="path", get_color="color",
            get_width=6, width_units="'pixels'", width_min_pixels=4, pickable=True,
            joint_rounded=True, cap_rounded=True))
    if not md.leads.empty:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=md.leads, id="leads", get_position=["lon", "lat"],
            get_fill_color="fill", get_line_color="line", get_radius="radius",
            radius_min_pixels=3, radius_max_pixels=14, stroked=True, line_width_min_pixels=1.5,
            pickable=True))
    if not md.leads.empty and "pinned" in md.leads and md.leads["pinned"].any():
        # Pins: an outer black ring around the lead, drawn in screen pixels so it shows
        # at every zoom.
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=md.leads[md.leads["pinned"]], id="pins",
            get_position=["lon", "lat"], get_fill_color=[0, 0, 0, 0],
            get_line_color=[0, 0, 0, 255], get_radius=1, radius_units="'pixels'",
            radius_min_pixels=13, stroked=True, filled=False, line_width_min_pixels=3,
            pickable=False))
    if not md.stops.empty:
        # Stop numbers on badges in the officer's colour: white text on a dark badge is
        # readable for every colour of the palette.
        layers.append(pdk.Layer(
            "TextLayer", data=md.stops, id="stops", get_position=["lon", "lat"],
            get_text="text", get_size=13, get_color=[255, 255, 255, 255],
            background=True, get_background_color="color", background_padding=[3, 1],
            font_weight="'bold'", get_pixel_offset=[0, -16], pickable=False))
    if not md.depots.empty:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=md.depots, id="depots", get_position=["lon", "lat"],
            get_fill_color=[255, 255, 255, 255], get_line_color="color", get_radius=120,
            radius_min_pixels=6, stroked=True, line_width_min_pixels=3, pickable=True))
    if not md.villages.empty:
        layers.append(pdk.Layer(
            "TextLayer", data=md.villages, id="villages", get_position=["lon", "lat"],
            get_text="name", get_size="size", get_color=[40, 40, 40, 220],
            # pydeck reads bare strings as JS expressions: quote the literal values.
            character_set="'auto'", font_family=_CJK_FONTS,
            get_alignment_baseline="'bottom'", get_pixel_offset=[0, -6], pickable=False))
    # Fit the working area (leads, depots, routes); the road extract may reach further.
    lons: list[float] = list(md.leads["lon"]) if not md.leads.empty else []
    lats: list[float] = list(md.leads["lat"]) if not md.leads.empty else []
    if not md.depots.empty:
        lons += list(md.depots["lon"])
        lats += list(md.depots["lat"])
    for r in md.routes:
        lons += [p[0] for p in r["path"]]
        lats += [p[1] for p in r["path"]]
    if not lons and md.boundary:
        lons = [p[0] for p in md.boundary]
        lats = [p[1] for p in md.boundary]
    view = pdk.ViewState(**view_for(lons, lats, height_px=height_px))
    # Plain text: names come from the lender's files and must never be read as markup.
    tooltip = {"text": "{tip}", "style": {"fontSize": "13px", "whiteSpace": "pre-line"}}
    if basemap:
        return pdk.Deck(layers=layers, initial_view_state=view, map_provider="carto",
                        map_style="light", tooltip=tooltip)
    # A style with no sources, inlined as a data: URL: the map library draws a plain
    # background and never asks a server for tiles, fonts or sprites. (Without any
    # style Streamlit would fall back to an online Carto basemap.)
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None,
                    map_style=offline_style_url(), tooltip=tooltip)
