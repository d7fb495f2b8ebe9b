"""The README's code layout stays true: every module and sub-package of ``sinkview/`` (and every
top-level folder of the repository that holds code) is named in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Code layout", 1)[1]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


def test_every_sinkview_module_and_package_is_in_the_layout():
    block = layout_block()
    missing = [path.name for path in sorted((ROOT / "sinkview").glob("*.py"))
               if path.name not in ("__init__.py", "__main__.py") and path.name not in block]
    missing += [f"sinkview/{path.name}/" for path in sorted((ROOT / "sinkview").iterdir())
                if path.is_dir() and not path.name.startswith("__") and f"sinkview/{path.name}/" not in block]
    assert not missing, f"README's code layout leaves out: {missing}"


def package_entries(block: str, package: str) -> str:
    """The indented lines under ``sinkview/<package>/`` in the layout (its modules, one a line)."""
    match = re.search(rf"^sinkview/{package}/[^\n]*\n((?:[ \t]+[^\n]*\n)*)", block, re.M)
    return match.group(1) if match else ""


def test_every_module_of_a_layer_is_under_its_package():
    block = layout_block()
    missing = []
    for package in sorted(p for p in (ROOT / "sinkview").iterdir() if (p / "__init__.py").is_file()):
        if package.name in ("charts",):  # pure chart builders, one per page: named as a group
            continue
        named = re.findall(r"^[ \t]+(\S+)", package_entries(block, package.name), re.M)
        missing += [f"sinkview/{package.name}/{path.name}" for path in sorted(package.glob("*.py"))
                    if path.name != "__init__.py" and path.name not in named]
        missing += [f"sinkview/{package.name}/{name}" for name in named if not (package / name.rstrip("/")).exists()]
    assert not missing, f"README's code layout leaves out, or names what is not there: {missing}"


def test_every_named_path_exists():
    named = re.findall(r"^(\S+)", layout_block(), re.M)
    absent = [name for name in named if "<" not in name and "*" not in name and not (ROOT / name).exists()]
    assert not absent, f"README's code layout names what is not there: {absent}"
