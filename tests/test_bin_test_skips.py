"""bin/test fails when a tour or test is skipped: bin/lib/testlog.py, which it runs on the
logs of Odoo's test runner and of pytest, must say so and name what was skipped and why.

Plain pytest tests on sample logs (no database). Alone:
python3 -m pytest -p no:odoo tests/test_bin_test_skips.py
"""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "bin", "lib", "testlog.py")

_spec = importlib.util.spec_from_file_location("testlog", SCRIPT)
testlog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(testlog)

# Records as Odoo 18 writes them (odoo/tests/result.py, odoo/service/server.py).
PREFIX = "2025-11-26 08:30:0{},123 4242 {} inventory_sync_test {}: "
TOUR = "odoo.addons.stock_sync.tests.test_tour"
TEST = "TestExceptionQueueTour.test_sync_user_retries_a_dead_delivery"


def rec(level, logger, msg, second=1):
    # Odoo ends a record with " " (its format appends the request's perf info, empty here).
    return PREFIX.format(second, level, logger) + msg + " \n"


STARTED = rec("INFO", TOUR, f"Starting {TEST} ...")
PASSED_CLOSE = rec(
    "INFO", "odoo.tests.result", "0 failed, 0 error(s) of 1 tests when loading database 'x'", 9
)


def test_a_passing_tour_is_counted_run_and_passed():
    ok, summary, problems = testlog.check_odoo([STARTED, PASSED_CLOSE], "Browser tours")
    assert ok, problems
    assert summary == (
        "Browser tours: 1 run, 1 passed, 0 failed, 0 skipped (Odoo: 0 failed, 0 error(s) of 1 tests)"
    )


def test_a_tour_skipped_for_want_of_chrome_fails_and_names_it():
    # What issue 6 saw: Odoo counts the skipped tour in "of 1 tests" and reports no failure.
    log = [
        STARTED,
        rec("INFO", TOUR, f"skipped {TEST} : Chrome executable not found", 2),
        PASSED_CLOSE,
    ]
    ok, summary, problems = testlog.check_odoo(log, "Browser tours")
    assert not ok
    assert "1 run, 0 passed, 0 failed, 1 skipped" in summary
    assert problems[0] == f"SKIPPED stock_sync: {TEST}: Chrome executable not found"
    assert "Chromium" in problems[1]


def test_a_class_skipped_in_its_set_up_fails():
    log = [
        rec(
            "INFO",
            "odoo.tests.suite",
            f"skipped setUpClass ({TOUR}.TestExceptionQueueTour) : no browser",
        ),
        rec(
            "WARNING",
            "odoo.tests.result",
            "0 failed, 0 error(s) of 0 tests when loading database 'x'",
        ),
    ]
    ok, summary, problems = testlog.check_odoo(log)
    assert not ok
    assert "0 run, 0 passed, 0 failed, 1 skipped" in summary
    assert any(p.startswith("SKIPPED odoo.tests.suite: setUpClass") for p in problems)


def test_a_failed_tour_is_named():
    log = [
        STARTED,
        rec("INFO", TOUR, "=" * 70),
        rec("ERROR", TOUR, f"FAIL: {TEST}"),
        "Traceback (most recent call last):\n",
        "AssertionError: 'pending' != 'dead'\n",
        rec(
            "ERROR",
            "odoo.tests.result",
            "1 failed, 0 error(s) of 1 tests when loading database 'x'",
            9,
        ),
    ]
    ok, summary, problems = testlog.check_odoo(log)
    assert not ok
    assert "1 run, 0 passed, 1 failed, 0 skipped" in summary
    assert problems == [f"FAIL stock_sync: {TEST} (traceback in the log above)"]


def test_no_closing_line_or_a_count_mismatch_fails():
    assert not testlog.check_odoo([STARTED])[0]  # Odoo died before its count
    close2 = rec(
        "INFO", "odoo.tests.result", "0 failed, 0 error(s) of 2 tests when loading database 'x'"
    )
    ok, _summary, problems = testlog.check_odoo([STARTED, close2])
    assert not ok and "log format changed?" in problems[0]
    assert not testlog.check_odoo([])[0]  # nothing ran


@pytest.mark.parametrize(
    ("closing", "skip_line", "ok"),
    [
        ("3 passed, 2 deselected in 4.20s", None, True),
        (
            "3 passed, 1 skipped, 2 deselected in 4.20s",
            "SKIPPED [1] tests/test_x.py:12: needs a WMS",
            False,
        ),
        ("3 passed, 1 skipped in 4.20s", None, False),
    ],
)
def test_pytest_skips_fail(closing, skip_line, ok):
    lines = ["..s.\n"] + ([skip_line + "\n"] if skip_line else []) + [f"{closing}\n"]
    got_ok, summary, problems = testlog.check_pytest(lines)
    assert got_ok is ok
    assert summary == closing
    if skip_line:
        assert problems == ["SKIPPED tests/test_x.py:12: needs a WMS"]


def test_the_command_bin_test_runs_exits_non_zero_on_a_skip(tmp_path):
    log = tmp_path / "tours.log"
    log.write_text(
        STARTED + rec("INFO", TOUR, f"skipped {TEST} : Chrome executable not found") + PASSED_CLOSE
    )
    out = subprocess.run(
        [sys.executable, SCRIPT, "odoo", str(log), "Browser tours"], capture_output=True, text=True
    )
    assert out.returncode == 1
    assert "1 skipped" in out.stdout.splitlines()[0]
    assert f"SKIPPED stock_sync: {TEST}: Chrome executable not found" in out.stdout
