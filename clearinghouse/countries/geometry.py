"""The world's country outlines, for the maps of the report and of the pages (Natural Earth at 1:110 million,
``data/countries-110m.json``: see ``data/SOURCES.md``). At this scale some small island states have no outline:
every map that shows them has a table beside it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

WORLD = Path(__file__).resolve().parent / "data" / "countries-110m.json"

Ring = list[tuple[float, float]]


@cache
def world() -> list[tuple[str, list[Ring]]]:
    """Each country's ISO 3166-1 numeric code (three digits) and its outer rings as (longitude, latitude) lists,
    decoded from TopoJSON; a ring crossing the 180th meridian (eastern Russia, Fiji) is drawn east of it."""
    topology = json.loads(WORLD.read_text(encoding="utf-8"))
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)

    def ring(indexes: list[int]) -> Ring:
        points: Ring = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [_unwrapped(ring(r)) for polygon in polygons for r in polygon[:1]]  # outer rings at this scale
        countries.append((str(geometry.get("id", "")).zfill(3), rings))
    return countries


def _unwrapped(points: Ring) -> Ring:
    crosses = any(abs(b[0] - a[0]) > 180 for a, b in zip(points, points[1:], strict=False))
    return [(x + 360 if x < 0 else x, y) for x, y in points] if crosses else points
