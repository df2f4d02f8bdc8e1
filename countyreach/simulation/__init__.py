"""Planners' coverage simulation: where to base officers, how many to hire, what it yields.

Build a :class:`SimWorld` for a county (:func:`world_from_county` with its OSM
roads and, when the folder has them, its own leads and officers;
:func:`world_from_places` / :func:`tangxian_world` with the flagged
straight-line approximation), then :func:`simulate` one :class:`Scenario`, or
:func:`sweep` officers × base strategies × seeds (sequentially or on Dask) and
read :func:`coverage_curve` and :func:`recommend`. :func:`compare_policies`
measures countyreach against the nearest-leads and score-order baselines.
"""

# The names load on first use (see ``geo/__init__.py``), so the command line's help does
# not import the simulation's models; they are listed once, in ``__init__.pyi``.
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
