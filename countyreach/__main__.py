"""``python -m countyreach``: the same entry point as the installed ``countyreach`` script.

Without it a checkout that is not pip-installed (or a venv whose script points at another
checkout) has no way to run its own CLI short of ``python -m countyreach.cli``.
"""

from countyreach.cli import main

raise SystemExit(main())
