"""``python -m countyreach``: the command line of this checkout (the installed ``countyreach``
script runs the one it was installed from)."""

from countyreach.cli import main

raise SystemExit(main())
