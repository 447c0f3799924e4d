"""Print the final table of a bench run from bench/results/<name>.json.

    python3 bench/summary.py capture_overhead dispatch_throughput latency outage ...

Only the headline figures: every metric with a target, and the ones the
benches flag as headline (ratios to the baselines, drain time...).
"""

import json
import sys

from lib.stats import RESULTS_DIR, format_value


def rows(name):
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return [(name, "(no results: the bench failed or did not run)", "", "", "")]
    data = json.loads(path.read_text())
    out = []
    for metric in data["metrics"]:
        if not metric.get("headline"):
            continue
        verdict = {True: "ok", False: "MISSED", None: ""}[metric["ok"]]
        value = format_value(metric["value"], metric["unit"], metric.get("digits", 3))
        out.append((name, metric["label"], value, metric["target"] or "", verdict))
    return out


def main(names):
    table = [("bench", "metric", "value", "target", "")]
    for name in names:
        table.extend(rows(name))
    widths = [max(len(str(row[i])) for row in table) for i in range(5)]
    print()
    for i, row in enumerate(table):
        cells = [str(cell).rjust(width) if j == 2 else str(cell).ljust(width)
                 for j, (cell, width) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    missed = sum(1 for row in table[1:] if row[4] == "MISSED")
    print(f"\n{missed} target(s) missed." if missed else "\nAll targets met.")


if __name__ == "__main__":
    main(sys.argv[1:] or ["capture_overhead", "dispatch_throughput", "latency", "outage",
                          "hot_product", "poison_event", "backlog_linearity"])
