"""The packages import each other in one direction only (the README's layering rule)."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
# A package may import packages of a lower layer only; packages of one layer not each other.
LAYERS = {"configs": 0, "engines": 1, "accounts": 2, "exports": 2, "pipelines": 3, "serve": 4}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)} & LAYERS.keys()


def part_imports(package: str) -> dict[str, set[str]]:
    """The parts of a package (its subpackages and top modules) -> the other parts they import."""
    parts = {path.stem if path.is_file() else path.name for path in (ROOT / package).iterdir()}
    parts = {part for part in parts if not part.startswith(("_", "."))}
    graph: dict[str, set[str]] = {part: set() for part in parts}
    for path in (ROOT / package).rglob("*.py"):
        relative = path.relative_to(ROOT / package).parts
        me = relative[0].removesuffix(".py")
        for name in imported_modules(path):
            pieces = name.split(".")
            if pieces[0] == package and len(pieces) > 1 and pieces[1] in parts and pieces[1] != me:
                graph[me].add(pieces[1])
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph (its nodes in order), or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for other in sorted(graph[node]):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other] if other in path else [node, other]
            if other not in state and (found := visit(other, [*path, other])):
                return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_packages_import_only_packages_below_them():
    wrong = []
    for package, layer in LAYERS.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported in imported_packages(path) - {package}:
                if LAYERS[imported] >= layer:
                    wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not wrong, wrong


def test_the_parts_of_pipelines_and_serve_import_each_other_in_one_direction():
    for package in ("pipelines", "serve"):
        assert cycle(part_imports(package)) is None, package


def test_a_cycle_is_seen():
    found = cycle({"jobs": {"documents"}, "documents": {"chat"}, "chat": {"jobs"}})
    assert found is not None and found[0] == found[-1] and set(found) == {"jobs", "documents", "chat"}
    assert cycle({"jobs": {"documents"}, "documents": set()}) is None


def test_the_rule_sees_a_wrong_import(tmp_path):
    module = tmp_path / "reader.py"
    module.write_text("from pipelines.jobs.record import page_record\nimport engines.types\n", encoding="utf-8")
    assert imported_packages(module) == {"pipelines", "engines"}


def test_modules_and_classes_stay_short_enough_to_read():
    long_modules, long_classes = [], []
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if len(source.splitlines()) > 400:
                long_modules.append(str(path.relative_to(ROOT)))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 250:
                    long_classes.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert not long_modules and not long_classes, (long_modules, long_classes)
    assert len((ROOT / "serve" / "ingress.py").read_text(encoding="utf-8").splitlines()) < 200
