"""Imports run one way: io/normalize -> features -> model -> dedupe/screening/review/report ->
api/tradeflows -> cli."""

from __future__ import annotations

import ast
from pathlib import Path

import resolver

ROOT = Path(resolver.__file__).parent
# lower layers never import higher ones; a module may import its own layer
LAYERS = {
    "resolver.errors": 0,
    "resolver.version": 0,
    "resolver.gcpause": 0,
    "resolver.memory": 0,
    "resolver.interrupts": 0,
    "resolver.io": 1,
    "resolver.spark.session": 1,
    "resolver.spark.errors": 1,
    "resolver.spark.udfs": 1,
    "resolver.engine": 1,
    "resolver.normalize": 1,
    "resolver.features": 2,
    "resolver.model": 3,
    "resolver.cluster": 4,
    "resolver.pairs": 4,
    "resolver.dedupe": 4,
    "resolver.incremental": 4,
    "resolver.spark": 4,
    "resolver.screening": 4,
    "resolver.evaluate": 4,
    "resolver.synth": 4,
    # readable outputs, evidence and decisions of dedupe and screening, and their reports
    "resolver.review": 4,
    "resolver.report.flows": 5,  # before "resolver.report": the first matching prefix counts
    "resolver.report": 4,
    "resolver.api": 5,
    "resolver.tradeflows": 5,
    "resolver.progress": 6,
    "resolver.commands": 6,
    "resolver.cli": 6,
}


def _layer(module: str) -> int:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise AssertionError(f"{module}: not in a layer (add it to LAYERS)")


def _imports(path: Path) -> set[str]:
    """Every resolver module ``path`` imports, at top level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "resolver"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "resolver":  # "from resolver import x": x may be a submodule
                out |= {f"resolver.{a.name}" for a in node.names}
            elif node.module.startswith("resolver."):
                out.add(node.module)
    return out


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        if module == "resolver":  # the package root only re-exports, lazily
            continue
        for target in _imports(path):
            if target.split(".")[1] not in {m.split(".")[1] for m in LAYERS}:
                wrong.append(f"{module} imports the package root's {target}")
            elif _layer(target) > _layer(module):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_features_do_not_know_the_model() -> None:
    assert not [t for t in _imports(ROOT / "features.py") if t.startswith("resolver.model")]
