"""A self-contained HTML backtest report: one panel per key.

Each panel draws, per metric of the key, the window values, the model's
expected value and band, the findings (red marks on their windows) and,
below, the anomaly score with the 0.5 threshold. Plain inline SVG and CSS:
no script, no external file, so the report opens anywhere and can be
attached to a ticket. Keys with findings come first (strongest first), then
the busiest keys, up to ``max_panels``.

>>> from detectors.backtest import BacktestResult, TracePoint
>>> r = BacktestResult(); r.recorder.series[("rate", ("dataset", "vpcflow"), "count")] = [
...     TracePoint(60.0 * i, 10.0 + i, 10.0, 5.0, 15.0, 0.1) for i in range(5)]
>>> html = render(r, "demo")
>>> html.count("class='panel'"), "<svg" in html, "<script" in html
(1, True, False)
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson

from detectors.backtest import BacktestResult, TracePoint
from detectors.findings import to_ecs

WIDTH, HEIGHT, SCORE_HEIGHT, PAD = 960, 150, 50, 40

CSS = """
body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} h2{font-size:15px;margin:18px 0 4px} table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
.panel{border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:14px 0}
.meta{color:#666} .sev-critical{color:#a00;font-weight:bold} .sev-high{color:#d40} .sev-medium{color:#b80}
pre{white-space:pre-wrap;margin:0;font-size:11px} svg{display:block}
"""


def _ts(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Any:
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def _chart(points: list[TracePoint], marks: list[float]) -> str:
    t0, t1 = points[0].t, points[-1].t
    values = [p.x for p in points] + [v for p in points for v in (p.lower, p.upper, p.expected) if v is not None]
    v0, v1 = min(values), max(values)
    sx = _scale(t0, t1, PAD, WIDTH - 10)
    sy = _scale(v0, v1, HEIGHT - 20, 10)
    band_top = [(sx(p.t), sy(p.upper)) for p in points if p.upper is not None and p.lower is not None]
    band_bottom = [(sx(p.t), sy(p.lower)) for p in points if p.upper is not None and p.lower is not None]
    parts = [f'<svg width="{WIDTH}" height="{HEIGHT}" role="img">']
    if band_top:
        poly = " ".join(f"{x:.1f},{y:.1f}" for x, y in band_top + band_bottom[::-1])
        parts.append(f'<polygon points="{poly}" fill="#cfe3ff" stroke="none"><title>expected band</title></polygon>')
    expected = " ".join(f"{sx(p.t):.1f},{sy(p.expected):.1f}" for p in points if p.expected is not None)
    if expected:
        parts.append(f'<polyline points="{expected}" fill="none" stroke="#5a8fd8" stroke-dasharray="4 3"/>')
    series = " ".join(f"{sx(p.t):.1f},{sy(p.x):.1f}" for p in points)
    parts.append(f'<polyline points="{series}" fill="none" stroke="#222" stroke-width="1.2"/>')
    by_t = {p.t: p for p in points}
    for t in marks:
        p = by_t.get(t)
        if p is not None:
            parts.append(f'<circle cx="{sx(t):.1f}" cy="{sy(p.x):.1f}" r="4" fill="#d00"><title>finding at {_ts(t)}: '
                         f"{p.x:g}</title></circle>")
    parts.append(f'<text x="2" y="14" font-size="10">{v1:g}</text><text x="2" y="{HEIGHT - 22}" font-size="10">{v0:g}</text>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 4}" font-size="10">{_ts(t0)}</text>'
                 f'<text x="{WIDTH - 110}" y="{HEIGHT - 4}" font-size="10">{_ts(t1)}</text></svg>')
    sy2 = _scale(0.0, 1.0, SCORE_HEIGHT - 4, 4)
    scores = " ".join(f"{sx(p.t):.1f},{sy2(min(1.0, p.score)):.1f}" for p in points)
    parts.append(f'<svg width="{WIDTH}" height="{SCORE_HEIGHT}"><line x1="{PAD}" x2="{WIDTH - 10}" y1="{sy2(0.5):.1f}" '
                 f'y2="{sy2(0.5):.1f}" stroke="#e99" stroke-dasharray="3 3"/><polyline points="{scores}" fill="none" '
                 f'stroke="#a40"/><text x="2" y="12" font-size="10">score</text></svg>')
    return "".join(parts)


def _panels(result: BacktestResult, max_panels: int) -> list[tuple[tuple[str, Any], dict[str, list[TracePoint]]]]:
    by_key: dict[tuple[str, Any], dict[str, list[TracePoint]]] = defaultdict(dict)
    for (detector, key, metric), points in result.recorder.series.items():
        if points:
            by_key[(detector, key)][metric] = points
    strength: dict[tuple[str, Any], float] = defaultdict(float)
    for f in result.findings:
        for k, v in f.entity.items():
            strength[(f.detector, (k, v))] = max(strength[(f.detector, (k, v))], 1.0 + f.score)
    volume = {k: max(max(p.x for p in pts) for pts in metrics.values()) for k, metrics in by_key.items()}
    order = sorted(by_key, key=lambda k: (-strength.get(k, 0.0), -volume[k], str(k)))
    return [(k, by_key[k]) for k in order[:max_panels]]


def render(result: BacktestResult, title: str = "logwarden backtest", max_panels: int = 50) -> str:
    esc = html.escape
    opened = {f.id: f for f in result.findings}
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1>",
           f"<p class='meta'>{result.events:,} inputs, {len(opened)} findings ({len(result.findings)} emissions incl. "
           f"updates and resolutions), {result.skipped:,} events without time or key, {result.dead_letters:,} dead "
           f"letters, {result.recorder.dropped_keys:,} keys not drawn (recorder bound). {esc(result.source)}</p>"]
    out.append("<h2>Findings</h2><table><tr><th>first seen</th><th>detector</th><th>type</th><th>entity</th>"
               "<th>severity</th><th>windows</th><th>summary</th><th>explanation</th></tr>")
    for f in sorted(opened.values(), key=lambda f: f.first_seen):
        entity = ", ".join(f"{k}={v}" for k, v in f.entity.items())
        explanation = esc(orjson.dumps(f.explanation, option=orjson.OPT_INDENT_2, default=str).decode())
        out.append(f"<tr><td>{_ts(f.first_seen)}</td><td>{esc(f.detector)}</td><td>{esc(f.finding_type)}</td>"
                   f"<td>{esc(entity)}</td><td class='sev-{f.severity.value}'>{f.severity.value}</td><td>{f.count}</td>"
                   f"<td>{esc(f.summary)}</td><td><details><summary>show</summary><pre>{explanation}</pre>"
                   f"</details></td></tr>")
    out.append("</table>")
    marks: dict[tuple[str, Any], list[float]] = defaultdict(list)
    for f in result.findings:
        for k, v in f.entity.items():
            marks[(f.detector, (k, v))].append(f.window_start)
    out.append("<h2>Keys</h2>")
    for (detector, key), metrics in _panels(result, max_panels):
        out.append(f"<div class='panel'><b>{esc(detector)}</b> &mdash; {esc(str(key[0]))} = <b>{esc(str(key[1]))}</b>")
        for metric, points in metrics.items():
            out.append(f"<div class='meta'>{esc(metric)} per window ({len(points)} windows)</div>")
            out.append(_chart(points, marks.get((detector, key), [])))
        out.append("</div>")
    out.append("<h2>Findings as ECS alerts</h2><details><summary>NDJSON</summary><pre>")
    out.extend(esc(orjson.dumps(to_ecs(f), default=str).decode()) + "\n" for f in opened.values())
    out.append("</pre></details></body></html>")
    return "".join(out)
