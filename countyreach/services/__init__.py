"""The app's services: everything the Streamlit pages show, computed without Streamlit.

The pages in ``app_pages/`` only lay widgets out; the numbers, tables, map layers, links
and texts come from these modules, one per job, so they can be tested on hand-built plans:

* :mod:`~countyreach.services.planning` — KPIs, route and dropped tables, pins and locks,
  re-planning a day, publishing to the store;
* :mod:`~countyreach.services.visited` — a published day planned again (CLI and app alike)
  around the stops officers already visited;
* :mod:`~countyreach.services.officer` — the officer's day, recorded outcomes, the board
  shared by the sessions of one server;
* :mod:`~countyreach.services.leads` — score bands, filters, a lead's card;
* :mod:`~countyreach.services.coverage` — the planner's coverage sweeps;
* :mod:`~countyreach.services.diagnostics` — the lead model's out-of-time report and drift;
* :mod:`~countyreach.services.maps` and :mod:`~countyreach.services.deck` — map layers and
  the (offline by default) pydeck map;
* :mod:`~countyreach.services.workspace` — counties on disk and the plan store.
"""
