"""Charts and the world map of a report, drawn with matplotlib (no network, no browser).

Each figure is returned as PNG (for DOCX) and SVG (for HTML and PDF). The map is drawn from Natural Earth
outlines shipped with the app (``data/countries-110m.json``, TopoJSON keyed by ISO 3166 numeric codes).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

from matplotlib import pyplot as plt  # noqa: E402  (the backend is chosen first)
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from clearinghouse.countries.geometry import world  # noqa: E402
from clearinghouse.reports.figures import Row, StateRow  # noqa: E402

#: ITU blue and a light grey, as in ITU publications.
BLUE = "#009cd6"
GREY = "#dcdcdc"
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none"})


@dataclass
class Figure:
    caption: str
    png: bytes
    svg: str

    @property
    def png_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


def _render(fig: plt.Figure, caption: str) -> Figure:
    png, svg = io.BytesIO(), io.StringIO()
    fig.savefig(png, format="png", dpi=150, bbox_inches="tight")
    fig.savefig(svg, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = svg.getvalue()
    return Figure(caption, png.getvalue(), text[text.index("<svg") :])


def bar_chart(rows: list[Row], caption: str, xlabel: str) -> Figure:
    """Horizontal bars, largest first, with the count beside each bar."""
    ordered = sorted(rows, key=lambda r: r.count)
    fig, ax = plt.subplots(figsize=(6.3, 0.32 * max(len(ordered), 3) + 0.6))
    bars = ax.barh([r.label for r in ordered], [r.count for r in ordered], color=BLUE)
    ax.bar_label(bars, padding=3)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _render(fig, caption)


def world_map(states: list[StateRow], caption: str) -> Figure:
    """Contributing Member States in blue, shaded by how many measures they contributed."""
    contributed = {s.numeric.zfill(3): s.measures for s in states}
    most = max(contributed.values(), default=1)
    shapes: list[list[tuple[float, float]]] = []
    colours: list[str | tuple[float, float, float, float]] = []
    for code, rings in world():
        n = contributed.get(code, 0)
        for points in rings:
            shapes.append(points)
            colours.append(BLUE if n else GREY)
            if n:  # darker for more measures
                alpha = 0.45 + 0.55 * (n / most)
                colours[-1] = (0.0, 0.61, 0.84, alpha)
    fig, ax = plt.subplots(figsize=(6.3, 3.3))
    ax.add_collection(PolyCollection(shapes, facecolors=colours, edgecolors="white", linewidths=0.2))
    ax.set_xlim(-170, 190)
    ax.set_ylim(-58, 84)
    ax.set_aspect(1.2)
    ax.axis("off")
    return _render(fig, caption)
