"""The import structure: apps depend downwards only and no module imports another in a circle."""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

APPS = ("gateway_sim", "conversations", "webhooks")
# gateway_sim modules that wire the project together and may import the apps.
WIRING = {
    "settings",
    "urls",
    "asgi",
    "runtime",
    "seed",
    "views",
    "ws_security",
    "management",
    "apps",
    "control",
}


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            parts = path.relative_to(settings.BASE_DIR).with_suffix("").parts
            if "migrations" in parts:
                continue
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """The project's modules that `name` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                yield target


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: set(imports(path, name, set(found))) for name, path in found.items()}


def test_webhooks_import_nothing_from_the_domain() -> None:
    offenders = {
        name: sorted(dep for dep in deps if dep.startswith("conversations"))
        for name, deps in graph().items()
        if name.startswith("webhooks")
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


def test_sandbox_wide_helpers_import_no_app() -> None:
    offenders = {
        name: sorted(dep for dep in deps if dep.split(".")[0] in ("conversations", "webhooks"))
        for name, deps in graph().items()
        if name.startswith("gateway_sim.") and name.split(".")[1] not in WIRING
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


def test_no_module_imports_another_in_a_circle() -> None:
    edges = graph()
    circles = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            circles.append(path[path.index(name) :])
            return
        if name in done:
            return
        for dep in sorted(edges.get(name, ())):
            visit(dep, [*path, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])
    assert circles == []
