"""Road networks, travel times, industrial clusters and Chinese coordinate systems.

Modules by concern: :mod:`geo.distance` (great-circle distances),
:mod:`geo.roadgraph` (the prepared graph), :mod:`geo.prepare` (OSM tags and ways
→ graph), :mod:`geo.osmfile` (local files, cache), :mod:`geo.osmnx_source`
(osmnx graphs and downloads), :mod:`geo.snap`, :mod:`geo.matrix`,
:mod:`geo.route`, :mod:`geo.clusters`, :mod:`geo.coords`, :mod:`geo.boundary`,
:mod:`geo.places` (named settlements of an extract, for onboarding).

Everything here is WGS-84 ``lat``/``lon`` inside; GCJ-02 and BD-09 appear only
in the converters of :mod:`geo.coords`.
"""

# The package's names load on first use, so a command that needs only a few of them
# (``countyreach --help``) does not import scikit-learn, SciPy and OR-Tools first.
# The names and where they come from are listed once, in ``__init__.pyi``.
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
