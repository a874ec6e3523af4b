"""Print the bad-input catalogue as a Markdown table with the answer FormLens actually gives today.

    .venv/bin/python -m tests.robustness.catalogue_table > tests/robustness/CATALOGUE.md

Builds every input from the real clips (as the tests do), runs it through the CLI and records the
one-line message (errors) or the rep count and warnings (accepted inputs). The tests assert the
same answers; this is the human-readable copy of them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import time
from pathlib import Path
from unittest.mock import patch

from core.__main__ import main as cli_main
from tests.conftest import ONNX_WEIGHTS, TEST_IMGSZ
from tests.robustness.catalogue import CATALOGUE, BadInput, config_file


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def answer(case: BadInput, folder: Path) -> tuple[str, float]:
    """The CLI's answer for one catalogued input and the wall time it took."""
    sub = folder / case.key
    sub.mkdir()
    path = case.make(sub)
    cfg = config_file(case, sub)
    out, err = sub / "report.json", io.StringIO()
    started = time.monotonic()
    with (patch.dict(os.environ, {"FORMLENS_CONFIG": str(cfg)} if cfg else {}),
          contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO())):
        code = cli_main(["analyze", str(path), "--json", str(out), "--weights", str(ONNX_WEIGHTS),
                         "--imgsz", str(TEST_IMGSZ)])
    took = time.monotonic() - started
    if code != 0:
        lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("formlens:")]
        return f"exit {code}: {lines[0] if lines else err.getvalue().strip()[-200:]}", took
    report = json.loads(out.read_text())
    warnings = "; ".join(report["warnings"]) or "no warning"
    return f"exit 0: {report['rep_count']} rep(s), lift {report['lift']['label']}. Warnings: {warnings}", took


HEADER = """# Bad and awkward inputs: the catalogue and FormLens's actual answers

Made from the real clips by `tests/robustness/catalogue.py`; every row runs through the CLI, the upload
page (AppTest) or both in `tests/robustness/test_catalogue.py` (it says which), asserting the "expected" column.
Regenerate with `.venv/bin/python -m tests.robustness.catalogue_table > tests/robustness/CATALOGUE.md`.
Times are CLI wall seconds (pose yolo11n-pose.onnx at 480 px). Errors exit 2 with the one line shown;
accepted inputs exit 0.
"""


def main() -> None:
    import logging

    from ultralytics.utils import LOGGER

    LOGGER.setLevel(logging.WARNING)  # its model-loading lines go to stdout, which is the table
    print(HEADER)
    print("| input | how it is made | expected | actual answer (CLI) | s |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="formlens_catalogue_") as tmp:
        for case in CATALOGUE:
            text, took = answer(case, Path(tmp))
            expect = (f"error matching `{case.expect[1]}`" if case.expect[0] == "error" else
                      "a result, each rep seen or flagged" if case.expect[0] == "any" else
                      f"{case.expect[1]} rep(s)" + (f", warning `{case.expect[2]}`" if case.expect[2] else ""))
            print(f"| {case.key} | {_cell(case.how)} | {_cell(expect)} | {_cell(text)} | {took:.1f} |", flush=True)
        print(double_submit_row(Path(tmp)), flush=True)


def double_submit_row(folder: Path) -> str:
    """The 2 s clip submitted twice at the same moment (two threads, one process)."""
    import threading

    case = next(c for c in CATALOGUE if c.key == "two-seconds")
    (folder / "double").mkdir()
    path = case.make(folder / "double")
    answers: dict[int, int] = {}

    def submit(i: int) -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            answers[i] = cli_main(["analyze", str(path), "--json", str(folder / f"double_{i}.json"),
                                   "--weights", str(ONNX_WEIGHTS), "--imgsz", str(TEST_IMGSZ)])

    started = time.monotonic()
    threads = [threading.Thread(target=submit, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reports = [json.loads((folder / f"double_{i}.json").read_text()) for i in (0, 1)]
    for r in reports:
        r.pop("timing")
    same = "identical reports" if reports[0] == reports[1] else "DIFFERENT reports"
    text = f"exit {answers[0]} and {answers[1]}: {reports[0]['rep_count']} rep(s) each, {same}"
    return (f"| double-submit | the 2 s clip submitted twice at the same moment | both finish, same report "
            f"(page: one result on screen) | {text} | {time.monotonic() - started:.1f} |")


if __name__ == "__main__":
    main()
