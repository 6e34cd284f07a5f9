"""Inputs from the adversarial trial (helper report): each once crashed, hung or was lost."""

from __future__ import annotations

import json
import os

from tests.conftest import SCENARIOS

GOOD = str(SCENARIOS / "relocation-copies.yaml")


def test_null_code_in_a_batch_loses_nothing(cli, write):
    bad = write("procedure: {code: null}\n", "nullcode.yaml")
    code, out, err = cli("run", GOOD, bad, "--format", "jsonl", "--jobs", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "Traceback" not in err
    assert [r["scenario"] for r in rows] == ["relocation-copies", "nullcode"]
    assert "missing required key 'procedure.code'" in rows[1]["error"][0]


def test_large_file_without_documents_is_reported_not_dropped(cli, write):
    empty = write("# comment\n" * 8000, "comments.yaml")
    code, out, _ = cli("run", empty, GOOD, "--format", "jsonl", "--jobs", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and len(rows) == 2 and rows[0]["error"]


def test_fifo_is_refused_instead_of_blocking(cli, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code, out, _ = cli("run", str(fifo), "--format", "jsonl")
    assert code == 2 and "not a regular file" in out


def test_jobs_has_an_upper_bound(cli):
    code, _, err = cli("run", GOOD, "--jobs", "100000")
    assert code == 2 and "--jobs must be a whole number from 1 to 64" in err


def test_closed_or_full_output_is_an_error_not_a_traceback():
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(SCENARIOS.parent)}
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "engine", "run", GOOD], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=env)
    assert proc.returncode == 2 and "cannot write the output" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_huge_list_is_refused_by_the_value_limit(cli, write):
    # Adversarial report: 2.5 million list items took minutes and gigabytes before the limit.
    path = write("procedure: {code: D9961}\nclaim: {carc: [" + ",".join(["1"] * 300_000) + "]}\n", "big.yaml")
    code, out, _ = cli("run", path, "--format", "jsonl")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "more than 100000 values" in row["error"][0]
