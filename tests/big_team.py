"""A county with a lender's real team size: the demo township with officers added.

The demo's six officers stay; the others start and end at home in the township's villages
(one in seven, so homes spread out), each covering five villages around it, with the
demo's shifts, skills and lunch by turns.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

DEMO = Path(__file__).resolve().parents[1] / "data" / "qingzu"
#: Officers of a rural lender's county team.
TEAM = 45


def county_with_team(dst: Path, n: int = TEAM) -> Path:
    """Copy the demo county to ``dst/qingzu`` with ``n`` officers; the folder."""
    folder = dst / "qingzu"
    shutil.copytree(DEMO, folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    officers = pd.read_csv(folder / "officers.csv", dtype=str, keep_default_na=False)
    villages = pd.read_csv(folder / "villages.csv")
    villages = villages[villages["place"] == "village"].reset_index(drop=True)
    rows = [officers.iloc[i % len(officers)].to_dict() for i in range(n)]
    for i in range(len(officers), n):
        home = villages.iloc[(i * 7) % len(villages)]
        lat, lon = f"{home['lat']:.7f}", f"{home['lon']:.7f}"
        near = villages["name"].iloc[[(i * 7 + k) % len(villages) for k in range(5)]]
        rows[i].update(officer_id=f"O{i + 1:02d}", name=f"员工{i + 1:02d}", start_kind="home",
                       start_name=home["name"], start_lat=lat, start_lon=lon, end_kind="home",
                       end_name=home["name"], end_lat=lat, end_lon=lon,
                       localities=";".join(near))
    pd.DataFrame(rows).to_csv(folder / "officers.csv", index=False)
    return folder
