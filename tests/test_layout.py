"""The package layout keeps data flowing one way: read every module's imports with ``ast`` and
check who may import whom (sources → store → core → analysis → report → render; app and cli on
top)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "casestudy"


def _module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of everything ``path`` imports, anywhere in it (relative imports
    resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    mod = _module_name(path, root)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
    return out


def _graph(folder: Path, root: Path = ROOT) -> dict[str, set[str]]:
    return {_module_name(p, root): _imports(p, root) for p in folder.rglob("*.py")}


def _hits(imports: set[str], prefix: str) -> set[str]:
    return {i for i in imports if i == prefix or i.startswith(prefix + ".")}


def test_the_layout_reads_as_the_pipeline():
    subpackages = {p.name for p in PKG.iterdir() if (p / "__init__.py").exists()}
    assert {"sources", "store", "core", "analysis", "report", "render", "app",
            "cli"} <= subpackages
    top = {p.stem for p in PKG.glob("*.py")}
    assert {"model", "metrics"} <= top


def test_analysis_and_render_never_read_the_store_or_streamlit():
    for mod, imports in _graph(PKG).items():
        if mod.startswith(("casestudy.analysis", "casestudy.render")):
            assert not _hits(imports, "casestudy.store"), (mod, _hits(imports, "casestudy.store"))
            assert not _hits(imports, "streamlit"), mod


def test_core_imports_neither_store_nor_streamlit_nor_later_layers():
    for mod, imports in _graph(PKG).items():
        if mod.startswith("casestudy.core"):
            for banned in ("casestudy.store", "streamlit", "casestudy.analysis",
                           "casestudy.report", "casestudy.render", "casestudy.app",
                           "casestudy.sources"):
                assert not _hits(imports, banned), (mod, banned)


def test_only_pages_and_the_entry_point_import_the_app_glue():
    graph = _graph(PKG)
    for mod, imports in graph.items():
        if not mod.startswith("casestudy.app"):
            assert not _hits(imports, "casestudy.app"), mod
    for path in [*(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]:
        assert "streamlit" in _imports(path)  # they are the app
    for folder in ("tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("test_app.py", "test_browser.py", "test_hosted.py", "test_oidc.py",
                             "test_hosted_inputs.py", "test_private_data.py",
                             "test_names_per_owner.py",
                             "app_pages.py"):
                continue
            assert not _hits(_imports(path), "casestudy.app"), path


def test_streamlit_stays_inside_the_app():
    for mod, imports in _graph(PKG).items():
        if _hits(imports, "streamlit"):
            assert mod.startswith("casestudy.app"), mod


def test_no_private_names_cross_modules_and_no_one_letter_aliases():
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(
                    "casestudy")):
                for a in node.names:
                    assert not (a.name.startswith("_") and not a.name.startswith("__")), \
                        (path, a.name)
            if isinstance(node, ast.Import | ast.ImportFrom):
                for a in node.names:
                    assert a.asname is None or len(a.asname) > 1, (path, a.asname)


def test_no_import_cycles_between_subpackages():
    graph = _graph(PKG)

    def package(mod: str) -> str:
        parts = mod.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 else mod

    edges: dict[str, set[str]] = {}
    for mod, imports in graph.items():
        for i in imports:
            if i.startswith("casestudy.") and package(i) in {package(m) for m in graph}:
                if package(i) != package(mod):
                    edges.setdefault(package(mod), set()).add(package(i))
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in edges.get(node, ()):
            assert seen.get(nxt) != 1, " → ".join([*path, node, nxt])
            if nxt not in seen:
                visit(nxt, [*path, node])
        seen[node] = 2

    for node in list(edges):
        if node not in seen:
            visit(node, [])



def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph ``edges``, as the path around it, or None."""
    done: set[str] = set()

    def visit(path: list[str]) -> list[str] | None:
        for nxt in sorted(edges.get(path[-1], ())):
            if nxt in path:
                return [*path[path.index(nxt):], nxt]
            if nxt not in done and (found := visit([*path, nxt])):
                return found
        done.add(path[-1])
        return None

    for node in sorted(edges):
        if node not in done and (found := visit([node])):
            return found
    return None


def _module_imports(folder: Path = PKG, root: Path = ROOT) -> dict[str, set[str]]:
    """Each module of the package → the package's modules it imports, at module level or inside
    a function alike (an import deferred into a function still ties the two modules together).
    A module's own parent packages are left out: Python imports them before it anyway."""
    graph = _graph(folder, root)
    return {mod: {i for i in imports if i in graph and i != mod
                  and not mod.startswith(i + ".")}
            for mod, imports in graph.items()}


def test_no_import_cycles_between_modules():
    cycle = _cycle(_module_imports())
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_check_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "casestudy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import a\n")
    (pkg / "sub" / "a.py").write_text("from .b import f\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .a import g\n    return g\n")
    graph = _module_imports(pkg, tmp_path)
    assert _cycle(graph) == ["casestudy.sub.a", "casestudy.sub.b", "casestudy.sub.a"]
    (pkg / "sub" / "b.py").write_text("def f():\n    return 1\n")
    assert _cycle(_module_imports(pkg, tmp_path)) is None
