"""How the packages import each other: without side effects, without cycles, downwards only.

The folders ingest/ extract/ db/ rules/ install as congvan.ingest, congvan.extract, congvan.db and
congvan.rules (pyproject.toml's package-dir): nothing generic lands in site-packages.
The layers, lowest first: rules → ingest → extract → db → congvan (cli, pipeline, watch, …). A
module imports only from its own layer or lower ones (function-level imports included), and no
chain of top-level imports leads back to where it started.
"""
from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("rules", "ingest", "extract", "db", "congvan")   # folders of the repository, lowest first
NAMESPACE = "congvan"


def _package(folder: str) -> str:
    """The installed name of a top-level folder: congvan.ingest for ingest/, congvan for congvan/."""
    return NAMESPACE if folder == NAMESPACE else f"{NAMESPACE}.{folder}"


def _layer(module: str) -> str:
    """The folder (layer) of an installed module name: ingest for congvan.ingest.pdf."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS[:-1] else NAMESPACE


def _modules() -> dict[str, Path]:
    """Every module of the five packages, by installed dotted name → file."""
    found = {}
    for folder_name in LAYERS:
        package, folder = _package(folder_name), ROOT / folder_name
        found[package] = folder / "__init__.py"
        for info in pkgutil.walk_packages([str(folder)], prefix=f"{package}."):
            name = info.name
            path = folder.joinpath(*name[len(package) + 1:].split("."))
            found[name] = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
    return found


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported module, at top level?) for each import of our packages in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            if target.split(".")[0] == NAMESPACE:
                out.append((target, id(node) in top))
    return out


def _graph() -> dict[str, list[tuple[str, bool]]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        edges = []
        for target, top in _imports(name, path):
            while target not in modules and "." in target:   # `from pkg import name`: the module pkg
                target = target.rpartition(".")[0]
            if target in modules and not (name + ".").startswith(target + "."):   # not its own package
                edges.append((target, top))
        graph[name] = edges
    return graph


def test_every_module_imports_only_its_own_or_lower_layers():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = sorted(f"{name} → {target}" for name, edges in _graph().items() for target, _ in edges
                    if rank[_layer(target)] > rank[_layer(name)])
    assert upward == []


def _cycles(top_only: bool) -> list[str]:
    graph = {name: sorted({t for t, top in edges if top or not top_only}) for name, edges in _graph().items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                cycles.append(" → ".join(stack[stack.index(target):] + [node, target]) if target in stack
                              else f"{node} → {target}")
            elif target not in state:
                visit(target, stack + [node])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return cycles


def test_top_level_imports_have_no_cycle():
    assert _cycles(top_only=True) == []


def test_function_level_imports_make_no_cycle_either():
    assert _cycles(top_only=False) == []


def _outside_libraries() -> list[str]:
    """The top-level names of every other library our modules import (numpy, pyHanko, …): imported
    before the probe's first look, so their own import-time settings are not counted as ours."""
    names = set()
    for path in _modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return sorted(names - {NAMESPACE, "__future__"})


_PROBE = """
import importlib, json, logging, os, sys, warnings
for name in json.loads(sys.argv[2]):
    try:
        importlib.import_module(name)
    except Exception:
        pass
before = (dict(os.environ), [repr(f) for f in warnings.filters], list(logging.getLogger().handlers),
          logging.getLogger().level, sys.getrecursionlimit())
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
after = (dict(os.environ), [repr(f) for f in warnings.filters], list(logging.getLogger().handlers),
         logging.getLogger().level, sys.getrecursionlimit())
changed = [what for what, a, b in zip(("environ", "warnings", "handlers", "level", "recursion"), before, after)
           if a != b]
print(json.dumps(changed))
"""


def test_importing_every_module_changes_no_environment_warning_filter_or_logging():
    names = sorted(_modules())
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(names), json.dumps(_outside_libraries())], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


_NAMESPACE_PROBE = """
import importlib, json
import congvan.ingest, congvan.extract, congvan.db, congvan.rules
missing = []
for name in ("ingest", "extract", "db", "rules"):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        missing.append(name)
print(json.dumps([sorted(m.__name__ for m in (congvan.ingest, congvan.extract, congvan.db, congvan.rules)), missing]))
"""


def test_the_folders_install_under_congvan_and_nothing_generic_is_importable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", _NAMESPACE_PROBE], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == [["congvan.db", "congvan.extract", "congvan.ingest", "congvan.rules"],
                                       ["ingest", "extract", "db", "rules"]]


def test_the_package_data_is_found_through_the_installed_names():
    from importlib import resources

    rules, db = resources.files("congvan.rules"), resources.files("congvan.db")
    assert [rules.joinpath(n).is_file() for n in ("units.yaml", "verbs.yaml", "vi_words.txt")] == [True, True, True]
    assert [db.joinpath(n).is_file() for n in ("metadata.yaml", "templates/congvan_base.html",
                                                "plugins/congvan_web.py", "static/congvan.css")] == [True] * 4


def test_the_wheel_installs_the_folders_under_congvan_with_their_data(tmp_path):
    """`pip install .` (not editable): only congvan/ in site-packages, and in it every module and data
    file of the five folders (rules/*.yaml, vi_words.txt, db/metadata.yaml, templates, plugins, CSS, ingest/data/)."""
    import zipfile

    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    names = zipfile.ZipFile(next(tmp_path.glob("congvan-*.whl"))).namelist()
    assert sorted({n.split("/")[0] for n in names}) == ["congvan", "congvan-0.1.0.dist-info"]
    assert sorted({n.split("/")[1] for n in names if n.startswith("congvan/") and n.count("/") > 1}) == \
        ["db", "extract", "ingest", "rules"]
    in_repo = sorted(f"congvan/{p.relative_to(ROOT).as_posix()}".replace("congvan/congvan/", "congvan/")
                     for folder in LAYERS for p in (ROOT / folder).rglob("*")
                     if (p.suffix in (".py", ".yaml", ".txt", ".html", ".css", ".sql") or "data" in p.parts)
                     and p.is_file() and "__pycache__" not in p.parts)
    assert sorted(n for n in names if n.startswith("congvan/")) == in_repo
