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


def test_every_named_path_exists():
    named = re.findall(r"^(\S+)", layout_block(), re.M)
    absent = [name for name in named if "<" not in name and "*" not in name and not (ROOT / name).exists()]
    assert not absent, f"README's code layout names what is not there: {absent}"
