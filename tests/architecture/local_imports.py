"""Finds every function-local import of `desist.*` in the project's own code (not tests, not
migrations): the imports the floors rule forbids ("no function-local import of desist.* to
dodge a cycle", docs/architecture.md), so each one must be on the allow-list with a reason."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "desist"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.scope: list[str] = []
        self.depth = 0
        self.found: set[str] = set()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        self.scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _add(self, target: str) -> None:
        if self.depth and (target == "desist" or target.startswith("desist.")):
            self.found.add(f"{self.module}:{'.'.join(self.scope)} -> {target}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = self.module.split(".")[: -node.level]
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            # `from desist.sharing import rules` imports the module desist.sharing.rules.
            sub = f"{base}.{alias.name}"
            self._add(sub if _is_module(sub) else base)


def _source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def function_local_imports() -> set[str]:
    """'module:function -> imported.module' for each function-local import of desist.*."""
    found: set[str] = set()
    for path in _source_files():
        finder = _Finder(module_name(path))
        finder.visit(ast.parse(path.read_text(), filename=str(path)))
        found |= finder.found
    return found
