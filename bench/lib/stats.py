"""Percentiles and the results of a bench: printed one per line, saved as JSON.

Every figure is written to ``bench/results/<name>.json``; ``bench/summary.py``
turns those files into the final table.
"""

import json
import math
import os
import platform
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


def percentile(values, p):
    """The ``p``-th percentile (0-100), linear between closest ranks; None if empty."""
    data = sorted(values)
    if not data:
        return None
    k = (len(data) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def ratio_interval(on, off, level=0.90, resamples=2000, seed=7):
    """Bootstrap interval of ``mean(on) / mean(off)`` over pairs ``(on[i], off[i])``:
    ``(low, high)`` at ``level``. Pairs are resampled whole, so what hit both
    members of a pair (load on a shared machine) stays together."""
    import random  # noqa: PLC0415 - only the benches that report intervals need it

    pairs = list(zip(on, off, strict=False))
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        sample = [pairs[rng.randrange(len(pairs))] for _ in pairs]
        ratios.append(sum(a for a, _ in sample) / sum(b for _, b in sample))
    ratios.sort()
    tail = (1 - level) / 2
    return ratios[int(tail * resamples)], ratios[int((1 - tail) * resamples) - 1]


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


_OPS = {"<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t, "==": lambda v, t: v == t}


class Results:
    """Metrics of one bench: printed one per line, saved as JSON.

    ``target`` is ``(op, threshold)`` with op in <=, >=, ==; ``ratio`` adds
    value(num)/value(den) as its own metric, e.g. ours vs a baseline measured
    in the same run.
    """

    def __init__(self, name, scale, settings=None):
        self.name, self.scale = name, scale
        self.settings = dict(settings or {})
        self.metrics = []
        self.started = time.time()
        print(f"== {name} (scale {scale:g})", flush=True)
        if self.settings:
            print("   settings: " + ", ".join(f"{k}={v}" for k, v in self.settings.items()), flush=True)

    def _value(self, key):
        return next(m["value"] for m in self.metrics if m["key"] == key)

    def add(self, key, value, unit="", label=None, target=None, headline=False, digits=3):
        ok = None
        if target is not None and value is not None:
            ok = _OPS[target[0]](value, target[1])
        metric = {
            "key": key, "label": label or key, "value": value, "unit": unit,
            "target": f"{target[0]} {_number(target[1])}" if target else None, "ok": ok,
            "headline": bool(headline or target), "digits": digits,
        }
        self.metrics.append(metric)
        print("   " + format_metric(metric), flush=True)
        return value

    def ratio(self, key, num, den, label=None, target=None, headline=False):
        a, b = self._value(num), self._value(den)
        value = a / b if a is not None and b else None
        return self.add(key, value, "x", label or f"{num} / {den}", target, headline)

    def save(self, **extra):
        RESULTS_DIR.mkdir(exist_ok=True)
        data = {
            "bench": self.name, "scale": self.scale, "started": self.started,
            "seconds": round(time.time() - self.started, 1), "host": platform.node(),
            "cpus": os.cpu_count(), "settings": self.settings, "metrics": self.metrics, **extra,
        }
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(json.dumps(data, indent=2, default=str))
        print(f"   ({data['seconds']} s; saved {path.relative_to(REPO_ROOT)})", flush=True)
        return data


def _number(value):
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def format_value(value, unit="", digits=3):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        text = f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".rstrip()


def format_metric(metric):
    line = f"{metric['label']:<48} {format_value(metric['value'], metric['unit'], metric['digits']):>16}"
    if metric["target"]:
        verdict = {True: "ok", False: "MISSED", None: "n/a"}[metric["ok"]]
        line += f"   target {metric['target']}: {verdict}"
    return line
