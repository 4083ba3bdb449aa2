"""The JavaScript a report page carries inline: Vega, Vega-Lite and vega-embed, read from the
``node_modules`` folder that ``npm ci`` fills from the repository's ``package.json`` (exact
versions in ``package-lock.json``). Nothing is fetched when the page opens.

Looked for in ``$COLLABSTATE_NODE_MODULES`` when it is set; otherwise in ``node_modules`` at the
repository root (an editable install), then in the working directory.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..errors import SetupError

__all__ = ["AssetsMissing", "node_modules", "vega_bundle"]

SCRIPTS = ("vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js", "vega-embed/build/vega-embed.min.js")


class AssetsMissing(SetupError):
    """The report's JavaScript is not installed."""


def _candidates() -> list[Path]:
    if os.environ.get("COLLABSTATE_NODE_MODULES"):
        return [Path(os.environ["COLLABSTATE_NODE_MODULES"])]
    found = []
    found.append(Path(__file__).resolve().parents[3] / "node_modules")
    found.append(Path.cwd() / "node_modules")
    return found


def node_modules() -> Path:
    """The node_modules folder holding the report's JavaScript."""
    for folder in _candidates():
        if all((folder / s).is_file() for s in SCRIPTS):
            return folder
    looked = ", ".join(str(p) for p in _candidates())
    raise AssetsMissing(
        "the report's JavaScript (Vega, Vega-Lite and vega-embed) is not installed; run `make setup` "
        "(it runs `npm ci` at the repository root), or set COLLABSTATE_NODE_MODULES to a node_modules "
        f"folder that holds them. Looked in: {looked}"
    )


def _clean(source: str) -> str:
    """Safe inside an inline <script>: no source-map comment (it would be fetched by developer
    tools) and no closing tag."""
    lines = [line for line in source.splitlines() if not line.startswith("//# sourceMappingURL=")]
    return "\n".join(lines).replace("</script", "<\\/script")


@lru_cache(maxsize=4)
def _read(folder: str) -> tuple[tuple[str, str], ...]:
    base = Path(folder)
    return tuple((name.split("/")[0], _clean((base / name).read_text(encoding="utf-8"))) for name in SCRIPTS)


def vega_bundle() -> list[tuple[str, str]]:
    """``[(package name, minified source), …]`` in load order."""
    return list(_read(str(node_modules())))
