"""A non-editable install carries kb/ and facts/ and works from any directory."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from tests.conftest import REPO, SCENARIOS


def test_wheel_carries_kb_and_facts_and_runs_from_elsewhere(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("cdt_companion-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    kb_files = sorted(p.name for p in (REPO / "kb").glob("*.yaml"))
    fact_files = sorted(p.name for p in (REPO / "facts").glob("*.yaml"))
    assert sorted(n.split("/")[-1] for n in names if n.startswith("engine/kb/")) == kb_files
    assert sorted(n.split("/")[-1] for n in names if n.startswith("engine/facts/")) == fact_files
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-c", "import sys; from engine.cli import main; sys.exit(main())",
                           "run", str(SCENARIOS / "relocation-copies.yaml"), "--format", "jsonl"],
                          capture_output=True, text=True, cwd=elsewhere,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["verdict"] == "appropriate"
    import engine.kbload  # the installed copy must not have read the checkout's kb/
    assert "site" in subprocess.run(
        [sys.executable, "-c", "import engine.kbload as k; print(k.bundled_dir('kb'))"],
        capture_output=True, text=True, cwd=elsewhere, env={"PYTHONPATH": str(target)}).stdout


def test_every_engine_subpackage_is_listed_for_installation():
    import tomllib
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "engine").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
