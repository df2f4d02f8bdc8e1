"""Where the app finds its counties and its plan store.

Both come from :func:`countyreach.settings.get_settings`: the configured county roots
(searched before the repository's own ``data/``) and the store URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from countyreach.store import Store

__all__ = ["county_folders", "open_store"]

log = logging.getLogger(__name__)


def county_folders(roots: Iterable[Path]) -> dict[str, Path]:
    """County folders (each with a ``county.json``) by display name.

    Parameters
    ----------
    roots : iterable of Path
        County folders or folders of county folders, in order of preference: a name
        found in an earlier root hides the same name further on.

    Returns
    -------
    dict
        ``name -> folder``; the name is the manifest's ``name``, else the folder's.
    """
    manifests: list[Path] = []
    for root in roots:
        manifests += [root / "county.json"] if (root / "county.json").exists() else sorted(
            root.glob("*/county.json"))
    out: dict[str, Path] = {}
    for manifest in manifests:
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            out.setdefault(str(meta.get("name") or manifest.parent.name), manifest.parent)
        except (OSError, ValueError):
            log.warning("skipping unreadable manifest %s", manifest)
    return out


def open_store(url: str, cache_dir: Path) -> Store | None:
    """The plan store at ``url``, or ``None`` when it cannot be opened (logged).

    The app must still plan when the database is down, so a failure here only turns
    the store's features (sign-in, durable plans) off.

    Parameters
    ----------
    url : str
        SQLAlchemy URL (``sqlite:///…`` or ``postgresql…``).
    cache_dir : Path
        Created first: the default SQLite file lives there.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        return Store.open(url)
    except Exception:
        log.exception("plan store unavailable at %s", url)
        return None
