"""Read a test run's log and say what ran, passed, failed and was skipped (bin/test).

    python3 bin/lib/testlog.py odoo LOG [LABEL]   a log of Odoo's test runner (--test-enable)
    python3 bin/lib/testlog.py pytest LOG         a pytest run's output (with -rs)

Prints a one-line summary first, then one line per failed or skipped test, and exits 0
only when at least one test ran and none failed or was skipped. A skip fails the run: the
suite skips nothing on purpose, so a skip means something a test needs is missing (Odoo
skips a tour, and still counts it in "of N tests", when it finds no Chrome). The counts
come from Odoo's own records of each test, cross-checked with its closing count line, so
a change in the log format fails loudly instead of passing in silence.
"""

import re
import sys

# Odoo's record format: "2025-01-01 12:00:00,000 1234 INFO dbname logger.name: message"
RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>\w+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Odoo colours the level on a terminal
# odoo/tests/result.py: startTest, addSkip, logError; the closing line is OdooTestResult.__str__
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.$")
SKIPPED = re.compile(r"^skipped (?P<test>.+?) : (?P<reason>.*)$")
FAILED = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<test>.+)$")
CLOSING = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests")
SUBTEST = re.compile(r"^Subtest (?P<test>\S+)")

# What a skip reason means is missing, to tell the reader what to install.
MISSING_HINTS = [
    (
        re.compile(r"chrome|chromium", re.I),
        "Chromium is missing: as root bin/test installs Debian's 'chromium' (apt-get install chromium)",
    ),
    (re.compile(r"websocket", re.I), "the websocket-client package is missing (requirements.txt)"),
]


def _module(logger):
    # "odoo.addons.stock_sync.tests.test_tour" -> "stock_sync"
    parts = logger.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else logger


def parse_odoo(lines):
    """Odoo test records of a log: {"started": [...], "skipped": {...}, "failed": {...},
    "closing": (failed, errors, run) or None}. Tests are named "module: Class.method"."""
    started, skipped, failed, closing = [], {}, {}, None
    for raw in lines:
        m = RECORD.match(ANSI.sub("", raw).rstrip())  # Odoo ends each record with " "
        if not m:
            continue
        msg, name = m["msg"], _module(m["logger"])
        if s := STARTING.match(msg):
            started.append(f"{name}: {s['test']}")
        elif s := SKIPPED.match(msg):
            skipped[f"{name}: {s['test']}"] = s["reason"]
        elif m["level"] in ("ERROR", "CRITICAL") and (s := FAILED.match(msg)):
            test = s["test"]
            if sub := SUBTEST.match(test):
                test = sub["test"]
            failed.setdefault(f"{name}: {test}", s["kind"])
        elif c := CLOSING.search(msg):
            closing = (int(c["failed"]), int(c["errors"]), int(c["run"]))
    return {"started": started, "skipped": skipped, "failed": failed, "closing": closing}


def check_odoo(lines, label="Odoo tests"):
    """(ok, summary, problem lines) for a log of Odoo's test runner."""
    rec = parse_odoo(lines)
    started = list(dict.fromkeys(rec["started"]))
    skipped, failed, closing = rec["skipped"], rec["failed"], rec["closing"]
    run = len(started)
    n_failed = sum(1 for t in started if t in failed and t not in skipped)
    passed = run - n_failed - sum(1 for t in started if t in skipped)
    # A class whose set-up skipped has no "Starting" record (its tests never started):
    # it counts as one skip.
    n_skipped = len(skipped)
    odoo_said = (
        "Odoo: {} failed, {} error(s) of {} tests".format(*closing) if closing else "Odoo: no count"
    )
    summary = (
        f"{label}: {run} run, {passed} passed, {n_failed} failed, {n_skipped} skipped ({odoo_said})"
    )
    problems = []
    for test, reason in skipped.items():
        problems.append(f"SKIPPED {test}: {reason}")
        problems.extend(f"  -> {hint}" for pattern, hint in MISSING_HINTS if pattern.search(reason))
    problems.extend(f"{kind} {test} (traceback in the log above)" for test, kind in failed.items())
    if closing is None:
        problems.append(
            "Odoo printed no 'N failed, N error(s) of N tests' line: the test run did not finish"
        )
    else:
        if closing[2] != run:
            problems.append(
                f"Odoo counted {closing[2]} tests, its log has {run} 'Starting' records: log format changed?"
            )
        if closing[0] + closing[1] and not failed:
            problems.append("Odoo counted failures that its log does not name: see the log above")
    if run == 0:
        problems.append("no test ran (check the test tags on the test classes)")
    return not problems, summary, problems


PYTEST_CLOSING = re.compile(r"^=* ?(?P<body>(\d+ [a-z]+.*|no tests ran) in [0-9.]+s.*?) ?=*$")
PYTEST_SKIPPED = re.compile(r"^SKIPPED \[\d+\] (?P<where>.*?): (?P<reason>.*)$")


def check_pytest(lines):
    """(ok, summary, problem lines) for pytest's output; it must have been run with -rs so
    that the reasons of skipped tests are listed ("SKIPPED [1] tests/x.py:12: reason")."""
    summary, problems = "", []
    for raw in lines:
        line = ANSI.sub("", raw).rstrip()
        if m := PYTEST_CLOSING.match(line):
            summary = m["body"]
        elif m := PYTEST_SKIPPED.match(line):
            problems.append(f"SKIPPED {m['where']}: {m['reason']}")
    n_skipped = int(m[1]) if (m := re.search(r"(\d+) skipped", summary)) else 0
    if n_skipped and not problems:
        problems.append(f"pytest skipped {n_skipped} test(s); rerun with -rs to see which")
    if not n_skipped:
        problems = []  # "SKIPPED" in a test's own output is not a skip
    return not problems, summary, problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("odoo", "pytest"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    if argv[1] == "odoo":
        ok, summary, problems = check_odoo(lines, *argv[3:4])
    else:
        ok, summary, problems = check_pytest(lines)
    print(summary)
    for line in problems:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
