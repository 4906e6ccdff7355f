"""The packages import each other in one direction only (the README's layering rule)."""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
# A package may import packages of a lower layer only; packages of one layer not each other.
LAYERS = {"configs": 0, "engines": 1, "accounts": 2, "exports": 2, "pipelines": 3, "serve": 4}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & LAYERS.keys()


def test_packages_import_only_packages_below_them():
    wrong = []
    for package, layer in LAYERS.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for imported in imported_packages(path) - {package}:
                if LAYERS[imported] >= layer:
                    wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not wrong, wrong


def test_the_rule_sees_a_wrong_import(tmp_path):
    module = tmp_path / "reader.py"
    module.write_text("from pipelines.jobs.record import page_record\nimport engines.types\n", encoding="utf-8")
    assert imported_packages(module) == {"pipelines", "engines"}
