"""The layout the README's Architecture section promises: layers, file sizes, one owner each."""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ["geo", "routing", "propensity", "countyreach", "app_pages"]
MAX_LINES = 600


def _product_files() -> list[Path]:
    files = [REPO / "app.py"]
    for pkg in PRODUCT:
        files += sorted((REPO / pkg).rglob("*.py"))
    return [f for f in files if "migrations/versions" not in f.as_posix()]


def test_no_product_file_is_longer_than_600_lines():
    long = {str(f.relative_to(REPO)): n for f in _product_files()
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize(("package", "may_import"), [
    ("geo", {"geo"}),
    ("routing", {"geo", "routing"}),
    ("propensity", {"geo", "propensity"}),
])
def test_libraries_import_only_the_layers_below(package: str, may_import: set[str]):
    project = {"geo", "routing", "propensity", "countyreach", "app", "app_pages"}
    wrong = {str(f.relative_to(REPO)): sorted((_imports(f) & project) - may_import)
             for f in (REPO / package).rglob("*.py")}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    res = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "BROKEN" not in res.stdout


#: Packages whose names load on first use (``lazy_loader`` reading ``__init__.pyi``).
LAZY_PACKAGES = ["geo", "routing", "propensity", "countyreach.simulation"]


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_a_package_exports_every_name_its_stub_lists(package: str):
    module = importlib.import_module(package)
    assert module.__file__ is not None
    stub = ast.parse(Path(module.__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    listed = next(ast.literal_eval(node.value) for node in stub.body
                  if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", "") == "__all__" for t in node.targets))
    assert sorted(listed) == sorted(module.__all__)  # the stub's list is the imports' list
    for name in module.__all__:
        getattr(module, name)  # AttributeError when the stub names what its module lacks
    assert set(module.__all__) <= set(dir(module))


def test_the_command_lines_help_imports_no_models():
    """``countyreach --help`` and a mistyped option answer without loading the engines'
    libraries: the command line builds every parser with NumPy at most."""
    code = ("import sys, countyreach.cli as c; c.build_parser(); "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    heavy = {"pandas", "scipy", "sklearn", "ortools", "pyvrp", "networkx", "osmnx",
             "geopandas", "shapely", "pyproj", "sqlalchemy", "streamlit", "dask"}
    assert set(res.stdout.split()) & heavy == set()


@pytest.mark.parametrize("command", [["users", "list"], ["county", "list"]])
def test_the_store_commands_load_the_store_but_no_models(tmp_path: Path, command: list[str]):
    """``countyreach users list``, ``county list`` (and the other commands that only read or
    change the store's accounts and records) open the store without the planning pipeline:
    no scikit-learn, SciPy, OR-Tools or road-network libraries."""
    code = ("import sys; from countyreach.cli import main; "
            f"code = main(['-q', *{command!r}]); "
            "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {**os.environ, "COUNTYREACH_DB": f"sqlite:///{tmp_path / 's.db'}",
           "HOME": str(tmp_path)}
    env.pop("COUNTYREACH_STORE", None)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO, env=env)
    loaded = set(res.stdout.split("MODULES", 1)[1].split())
    assert {"sqlalchemy", "countyreach"} <= loaded  # it did open the store
    heavy = {"scipy", "sklearn", "ortools", "pyvrp", "networkx", "osmnx", "geopandas",
             "shapely", "pyproj", "streamlit", "dask"}
    assert loaded & heavy == set()
