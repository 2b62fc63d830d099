"""Charts of the CCHC office (biểu đồ), drawn as SVG on the server: no script, prints as is.

    points lost by criterion, per year      point_losses_view (one copy per document)
    points lost by area (lĩnh vực), per year
    index score and rank over the years     index_scores_view

    >>> svg = bar_chart([("1.2", 0.75), ("7.3", 3.0)], title="Năm 2023")
    >>> svg.count("<rect"), "0,75" in svg, "7.3" in svg
    (2, True, True)
"""
from __future__ import annotations

from html import escape

import sqlite_utils

from congvan.db.web import number

_BAR = "#c0392b"
_LINE = "#1f5f99"


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "điểm") -> str:
    """Horizontal bars, one per (label, value), the value written at the end of its bar."""
    row, left, width = 22, 190, 420
    top = max((v for _, v in items), default=0) or 1
    height = 34 + row * len(items)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 70}" '
             f'height="{height}" font-family="sans-serif" font-size="12"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 28 + i * row
        w = max(1, round(width * value / top))
        parts += [f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>',
                  f'<rect x="{left}" y="{y + 2}" width="{w}" height="{row - 6}" fill="{_BAR}"/>',
                  f'<text x="{left + w + 6}" y="{y + 14}">{number(value)} {escape(unit)}</text>']
    return "".join(parts) + "</svg>"


def line_chart(series: dict[str, list[tuple[int, float]]], *, title: str, invert: bool = False,
               of_label: str = "") -> str:
    """One line per subject over the years; `invert` puts small values (rank 1) on top."""
    w, h, pad = 560, 240, 46
    points = [p for values in series.values() for p in values]
    if not points:
        return ""
    years = sorted({y for y, _ in points})
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    if lo == hi:
        lo, hi = lo - 1, hi + 1

    def x(year: int) -> float:
        return pad + (w - 2 * pad) * (years.index(year) / max(1, len(years) - 1) if len(years) > 1 else 0.5)

    def y(value: float) -> float:
        share = (value - lo) / (hi - lo)
        return 44 + (h - 84) * (share if invert else 1 - share)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h + 20 * len(series)}" '
             f'font-family="sans-serif" font-size="12"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>',
             f'<line x1="{pad}" y1="{h - 36}" x2="{w - pad}" y2="{h - 36}" stroke="#999"/>']
    parts += [f'<text x="{x(yr):.0f}" y="{h - 20}" text-anchor="middle">{yr}</text>' for yr in years]
    colours = (_LINE, "#27ae60", "#8e44ad", "#d35400", "#2c3e50")
    for i, (name, values) in enumerate(sorted(series.items())):
        colour = colours[i % len(colours)]
        values = sorted(values)
        path = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in values)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for a, b in values:
            parts += [f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="4" fill="{colour}"/>',
                      f'<text x="{x(a):.1f}" y="{y(b) - 8:.1f}" text-anchor="middle">{number(b)}{of_label}</text>']
        parts.append(f'<text x="{pad}" y="{h + 4 + 20 * i}" fill="{colour}">■ {escape(name)}</text>')
    return "".join(parts) + "</svg>"


def _code_order(code: str) -> list[int]:
    """7.1.2 before 7.1.10."""
    return [int(p) if p.isdigit() else 10**6 for p in str(code).split(".")]


def charts(db: sqlite_utils.Database) -> dict:
    """Every chart of the page, as SVG strings, with the numbers they show."""
    by_year: dict[int | None, dict[str, float]] = {}
    by_area: dict[int | None, dict[str, float]] = {}
    for r in db.query("select year, code, area, lost from point_losses_view where lost is not null"):
        by_year.setdefault(r["year"], {}).setdefault(r["code"], 0.0)
        by_year[r["year"]][r["code"]] += r["lost"]
        area = f"Lĩnh vực {r['area']}" if r["area"] is not None else "Không rõ"
        by_area.setdefault(r["year"], {}).setdefault(area, 0.0)
        by_area[r["year"]][area] += r["lost"]
    def year_title(year) -> str:
        return f"năm {year}" if year else "năm không rõ"
    criterion = [bar_chart(sorted(((c, round(v, 2)) for c, v in codes.items()), key=lambda i: _code_order(i[0])),
                           title=f"Điểm bị trừ theo tiêu chí — {year_title(year)}")
                 for year, codes in sorted(by_year.items(), key=lambda i: -(i[0] or 0))]
    area = [bar_chart(sorted(((a, round(v, 2)) for a, v in areas.items()),
                             key=lambda i: int(i[0].split()[-1]) if i[0].split()[-1].isdigit() else 99),
                      title=f"Điểm bị trừ theo lĩnh vực — {year_title(year)}")
            for year, areas in sorted(by_area.items(), key=lambda i: -(i[0] or 0))]
    scores: dict[str, list[tuple[int, float]]] = {}
    ranks: dict[str, list[tuple[int, float]]] = {}
    for r in db.query("""select subject, year, max(score) as score, min(rank) as rank from index_scores_view
                         where year is not null group by subject, year"""):
        name = r["subject"] or "không rõ"
        if r["score"] is not None:
            scores.setdefault(name, []).append((r["year"], r["score"]))
        if r["rank"] is not None:
            ranks.setdefault(name, []).append((r["year"], r["rank"]))
    return {"criterion": criterion, "area": area,
            "score": line_chart(scores, title="Điểm Chỉ số CCHC qua các năm"),
            "rank": line_chart(ranks, title="Thứ hạng qua các năm (1 là cao nhất)", invert=True)}
