"""Inline SVG charts for the reports: bars, a histogram with marker lines, a waterfall.

Written here rather than taken from a charting library: the report must open offline with
nothing else installed, and these three charts are a few dozen lines of SVG each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from resolver.report.html import esc

BLUE, GREY, RED, GREEN, INK = "#3b6ea5", "#b8c2cc", "#c4453c", "#2f8a4c", "#1d232a"
FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}">{body}</svg>'
    )


def bars(labels: Sequence[str], values: Sequence[int], label: str, unit: str = "") -> str:
    """Vertical bars with their value on top and their label underneath."""
    slot = max(60, 7 * max((len(x) for x in labels), default=0) + 12)
    width, height, pad, base = max(slot * len(labels) + 60, 320), 200, 30, 170
    top = max(values, default=0) or 1
    step = (width - 2 * pad) / max(len(labels), 1)
    parts = [f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="{GREY}"/>']
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        h = (base - 25) * value / top
        x = pad + i * step + step * 0.15
        w = step * 0.7
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BLUE}">'
            f"<title>{esc(name)}: {value:,} {esc(unit)}</title></rect>"
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" {FONT}>'
            f"{value:,}</text>"
            f'<text x="{x + w / 2:.1f}" y="{base + 14}" text-anchor="middle" {FONT}>'
            f"{esc(name)}</text>"
        )
    return _svg(width, height, "".join(parts), label)


def histogram(
    values: Sequence[float],
    markers: Sequence[tuple[float, str]],
    label: str,
    bin_width: float = 1.0,
    lowest: float = -20.0,
    highest: float = 50.0,
    axis: str = "match weight (bits)",
    counted: str = "pairs",
) -> str:
    """Counts of ``values`` in bins of ``bin_width`` (values beyond ``lowest``/``highest`` go to
    the end bins), bars at or above the first marker in colour, each marker a dashed line."""
    width, height, left, right, base = 760, 230, 46, 14, 190
    # counted in numpy: a dedupe report bins millions of pair weights
    data = np.asarray(values, dtype=np.float64)
    data = np.clip(data[~np.isnan(data)], lowest, highest)
    ends = [m for m, _ in markers]
    if len(data):
        ends += [float(data.min()), float(data.max())]
    lo = math.floor(min(ends, default=0.0) / bin_width) * bin_width
    hi = math.ceil(max(ends, default=1.0) / bin_width) * bin_width
    hi = max(hi, lo + bin_width)
    n_bins = int(round((hi - lo) / bin_width))
    bins = np.minimum(np.floor_divide(data - lo, bin_width).astype(np.int64), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins).tolist()
    top = max(counts, default=0) or 1
    scale = (width - left - right) / (hi - lo)

    def x_of(v: float) -> float:
        return left + (v - lo) * scale

    cut = markers[0][0] if markers else math.inf
    parts = [
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{GREY}"/>',
        f'<text x="12" y="{base - 70}" transform="rotate(-90 12 {base - 70})" {FONT}>'
        f"{esc(counted)}</text>",
        f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle" {FONT}>'
        f"{esc(axis)}</text>",
    ]
    for i, c in enumerate(counts):
        start = lo + i * bin_width
        h = (base - 30) * c / top
        colour = BLUE if start >= cut else GREY
        parts.append(
            f'<rect x="{x_of(start) + 0.5:.1f}" y="{base - h:.1f}" '
            f'width="{max(bin_width * scale - 1, 1):.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{start:g} to {start + bin_width:g}: {c:,} {esc(counted)}</title></rect>"
        )
    tick = 5 if hi - lo > 20 else 1
    for t in range(int(math.ceil(lo / tick) * tick), int(hi) + 1, tick):
        parts.append(
            f'<text x="{x_of(t):.1f}" y="{base + 14}" text-anchor="middle" {FONT}>{t}</text>'
        )
    parts.append(f'<text x="{left - 6}" y="{base - (base - 30) + 4}" text-anchor="end" {FONT}>')
    parts.append(f"{top:,}</text>")
    for k, (value, text) in enumerate(markers):
        x = x_of(value)
        colour = RED if k == 0 else INK
        parts.append(
            f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{base}" stroke="{colour}" '
            f'stroke-dasharray="4 3"/><text x="{x + 4:.1f}" y="{14 + 12 * k}" {FONT} '
            f'fill="{colour}">{esc(text)}</text>'
        )
    return _svg(width, height, "".join(parts), label)


def waterfall(steps: Sequence[tuple[str, float, float]], label: str) -> str:
    """One row per (name, weight, running total): a bar from the previous total to the new one
    on a match-weight axis, green for evidence for a match, red against, with 0 bits marked."""
    row, left, right, top_pad = 20, 250, 70, 8
    width = 760
    totals = [0.0] + [t for _, _, t in steps] + [t - w for _, w, t in steps]
    lo, hi = min(totals), max(totals)
    hi = max(hi, lo + 1.0)
    scale = (width - left - right) / (hi - lo)

    def x_of(v: float) -> float:
        return left + (v - lo) * scale

    height = top_pad + row * len(steps) + 22
    parts = [
        f'<line x1="{x_of(0):.1f}" y1="2" x2="{x_of(0):.1f}" y2="{height - 18}" stroke="{GREY}"/>',
        f'<text x="{x_of(0):.1f}" y="{height - 6}" text-anchor="middle" {FONT}>0 bits</text>',
    ]
    for i, (name, weight, total) in enumerate(steps):
        y = top_pad + i * row
        start = total - weight if i else 0.0
        a, b = sorted((x_of(start), x_of(total)))
        colour = GREY if i == 0 else (GREEN if weight >= 0 else RED)
        parts.append(
            f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" {FONT}>{esc(name[:40])}</text>'
            f'<rect x="{a:.1f}" y="{y + 3}" width="{max(b - a, 1.5):.1f}" height="{row - 6}" '
            f'fill="{colour}"><title>{esc(name)}: {weight:+.2f} bits, total {total:.2f}'
            f"</title></rect>"
            f'<text x="{width - right + 6}" y="{y + 13}" {FONT}>{weight:+.1f}</text>'
        )
    return _svg(width, height, "".join(parts), label)


def chain(nodes: Sequence[tuple[str, str, bool]], legs: Sequence[str], label: str) -> str:
    """Parties as boxes left to right (name, countries, listed or not) joined by arrows
    labelled with what went along each leg."""
    box_w, box_h, gap, pad = 210, 46, 120, 6
    width = pad * 2 + len(nodes) * box_w + max(len(nodes) - 1, 0) * gap
    height = box_h + 2 * pad + 4
    parts = []
    for i, (name, countries, listed) in enumerate(nodes):
        x = pad + i * (box_w + gap)
        stroke, fill = (RED, "#fdecea") if listed else ("#8a96a3", "#f4f6f8")
        short = name if len(name) <= 28 else name[:27] + "…"
        parts.append(
            f'<rect x="{x}" y="{pad}" width="{box_w}" height="{box_h}" rx="5" fill="{fill}" '
            f'stroke="{stroke}"><title>{esc(name)}</title></rect>'
            f'<text x="{x + 8}" y="{pad + 19}" {FONT} font-weight="600">{esc(short)}</text>'
            f'<text x="{x + 8}" y="{pad + 35}" {FONT} fill="#5b6570">'
            f"{esc(countries)}{' · listed' if listed else ''}</text>"
        )
        if i < len(legs):
            x1, x2, y = x + box_w + 2, x + box_w + gap - 4, pad + box_h / 2
            parts.append(
                f'<line x1="{x1}" y1="{y}" x2="{x2 - 6}" y2="{y}" stroke="{INK}"/>'
                f'<path d="M{x2 - 8},{y - 5} L{x2},{y} L{x2 - 8},{y + 5} z" fill="{INK}"/>'
                f'<text x="{(x1 + x2) / 2}" y="{y - 6}" text-anchor="middle" {FONT}>'
                f"{esc(legs[i])}</text>"
            )
    return _svg(width, height, "".join(parts), label)
