"""Benchmark cdt-companion against raw durable_rules and the YAML parsing floor (issue 8).

    python benchmarks/bench.py [--n N] [--runs R] [--quick] [--growth 1000,10000,100000]

Seeded and offline. Generates N varied, valid scenarios (benchmarks/scenario_gen.py) and
prints one table of medians over R runs: end to end ``run --format jsonl`` (N files, one
multi-document YAML file, one .jsonl file; --jobs 1 and 2), the loader next to the libyaml
composer floor, our evaluator next to raw durable_rules on the same compiled rulesets and facts
and next to the plain-Python reference (engine/pyeval.py), µs per firing, peak RSS and cost per
scenario from 1k to 100k, cold start, and the ratios the targets are stated in. In-process rows
are CPU time (``time.process_time``: steadier than wall time on a shared machine), the loader
and its floor paired round by round; end-to-end rows and cold start are wall time of a fresh
``python -m engine`` process; growth rows are its CPU time over that of a one-scenario run.
With --quick the sizes are too small to judge a target, so the "met" column says so.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import scenario_gen as gen  # noqa: E402

from engine import pyeval  # noqa: E402
from engine import yamlsource as ys  # noqa: E402
from engine.enrich import asserted_fact  # noqa: E402
from engine.kbload import load_kb  # noqa: E402
from engine.loader import scenarios_from_documents  # noqa: E402
from engine.model import Scenario  # noqa: E402
from engine.runner import Judge  # noqa: E402

KB20 = HERE / "kb20"
# Processes are timed as an installed tool runs: with its modules' bytecode cached. Some shells
# (this project's CI machines among them) set PYTHONDONTWRITEBYTECODE, which makes every start
# compile every module from source again (~100 ms); the first, untimed run writes the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DOCS_PER_FILE = 5000          # growth corpora: .jsonl files of this many lines (under 5 MiB each)


def cpu(fn: Callable[[], Any], runs: int) -> float:
    """Median CPU seconds of ``fn`` over ``runs`` (garbage collected before each)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def paired(fns: dict[str, Callable[[], Any]], runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """(median CPU seconds of each fn, the per-round ratio of each fn to the first, median).

    Every round runs each fn once, back to back, so a ratio compares runs made under the same
    load: on a shared machine the load moves more between rounds than within one.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            times[name].append(cpu(fn, 1))
    first = next(iter(fns))
    ratios = {name: statistics.median(t / f for t, f in zip(times[name], times[first])) for name in fns}
    return {name: statistics.median(t) for name, t in times.items()}, ratios


def wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall seconds of a command, its output thrown away; it must exit 0 or 1."""
    return timed(cmd, runs, env)[0]


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median (wall seconds, CPU seconds of the process and its workers) of a command."""
    import resource

    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env or ENV)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return statistics.median(times), statistics.median(cpus)


def engine_cmd(path: Path, kb: Path | None, jobs: int) -> list[str]:
    cmd = [sys.executable, "-m", "engine", "run", str(path), "--format", "jsonl", "--jobs", str(jobs)]
    return cmd + (["--kb", str(kb)] if kb else [])


# ------------------------------------------------------------------ corpora

def write_corpus(folder: Path, docs: list[dict[str, Any]]) -> dict[str, Path]:
    """N files, one multi-document YAML file and one .jsonl file, all holding ``docs``."""
    files = folder / "files"
    files.mkdir()
    texts = [gen.to_yaml(d) for d in docs]
    for i, text in enumerate(texts):
        (files / f"c{i:06d}.yaml").write_text(text, encoding="utf-8")
    multi = folder / "batch.yaml"
    multi.write_text("---\n".join(texts), encoding="utf-8")
    jsonl = folder / "batch.jsonl"
    jsonl.write_text("".join(gen.to_json(d) + "\n" for d in docs), encoding="utf-8")
    return {"files": files, "multi": multi, "jsonl": jsonl}


def write_growth(folder: Path, n: int) -> Path:
    """``n`` scenarios as .jsonl files of DOCS_PER_FILE lines (a year of claims, in parts)."""
    out = folder / f"growth{n}"
    out.mkdir()
    docs = gen.scenarios(n, seed=7 + n)
    for start in range(0, n, DOCS_PER_FILE):
        part = docs[start:start + DOCS_PER_FILE]
        (out / f"part{start // DOCS_PER_FILE:03d}.jsonl").write_text(
            "".join(gen.to_json(d) + "\n" for d in part), encoding="utf-8")
    return out


# ------------------------------------------------------------------ in-process measurements

def loader_rows(multi: Path, runs: int) -> dict[str, float]:
    """µs per document: our loader, the libyaml floor, and the ruamel path for context.

    The loader is timed as ``run`` reads: the file cut into units of documents (batch.py),
    each unit read and validated, then dropped. Reading the whole file into one list of 10,000
    scenarios is shown too: the garbage collector walking all that is kept alive costs more as
    the list grows, which is the holder's cost, not the reading's.
    """
    import yaml

    from engine import batch, fastyaml
    from engine.jsonsource import read_jsonl

    raw = multi.read_bytes()
    text = raw.decode("utf-8")
    chunks = ys._split_documents(text)
    n = len(chunks)
    drain = lambda it: all(True for _ in it)  # noqa: E731
    jsonl = multi.with_suffix(".jsonl").read_text(encoding="utf-8")
    sample = chunks[:300]
    def streamed() -> int:                  # planning too: it reads the file and cuts it up
        return sum(len(batch.read(unit)) for unit in batch.plan([str(multi)]))

    if streamed() != n:
        raise SystemExit(f"reading {multi} in units did not give its {n} documents")

    medians, ratios = paired({
        "floor_pyyaml": lambda: drain(yaml.compose_all(text, Loader=yaml.CSafeLoader)),
        "loader": streamed,
    }, max(runs, 5))
    out = {
        **{k: v / n for k, v in medians.items()},
        "ratio": ratios["loader"],
        "floor_ours": cpu(lambda: [fastyaml.compose_nodes(c) and None for _, c in chunks], runs) / n,
        "loader_whole": cpu(lambda: scenarios_from_documents(ys.read_bytes(multi.name, raw)), runs) / n,
        "jsonl_loader": cpu(lambda: scenarios_from_documents(read_jsonl("b.jsonl", jsonl)), runs) / n,
        "ruamel": cpu(lambda: scenarios_from_documents(
            [ys._read_chunk("b.yaml", i, s, c) for i, (s, c) in enumerate(sample)]), runs) / len(sample),
    }
    return {k: v if k == "ratio" else v * 1e6 for k, v in out.items()}


def raw_durable(compiled: Any, form: Any, facts: list[dict[str, Any]]) -> Callable[[], list[list[str]]]:
    """The same compiled rulesets and facts through durable's C binding with nothing of ours:
    assert_fact, start_action_for_state / complete_and_start_action, derived facts asserted
    back, delete_state. Returns a runner giving the fired rule names per fact.

    ``form`` is the evaluator's engine form (short field names, engine/payload.py) and
    ``facts`` the ones it asserts, already projected onto those fields (the projection is
    part of preparing a scenario; its cost is in the enrichment row)."""
    import durable_rules_engine as dre

    from engine import evaluator

    # Exactly the rulesets the evaluator creates, its always-matching sentinel rule included
    # (without it durable 2.0.28 corrupts its heap; see engine/evaluator.py).
    sentinel = {evaluator.SENTINEL: evaluator._SENTINEL_RULE}
    tag = f"raw{os.getpid()}x{id(facts)}"
    handles = [dre.create_ruleset(f"{tag}s{i}", json.dumps({**s, **sentinel}, sort_keys=True))
               for i, s in enumerate(form.shards)]
    derives, consumers = compiled.derives, compiled.consumers

    def one(sid: str, fact: dict[str, Any]) -> list[str]:
        fired: list[str] = []
        pending = []
        payload = json.dumps({**fact, "sid": sid})
        for handle in handles:
            code, state = dre.assert_fact(handle, payload)
            if code == 0:
                pending.append((handle, state))
        while pending:
            handle, state = pending.pop()
            started = dre.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:
                rule = message[2:message.index('"', 2)]
                if rule != evaluator.SENTINEL:
                    fired.append(rule)
                for name in derives.get(rule, ()):
                    derived = json.dumps({"sid": sid, "t": "derived", "name": name})
                    for index in consumers.get(name, ()):
                        code, st = dre.assert_fact(handles[index], derived)
                        if code == 0:
                            pending.append((handles[index], st))
                message = dre.complete_and_start_action(handle, state)
        for handle in handles:
            try:
                dre.delete_state(handle, sid)
            except Exception:
                pass
        return fired

    counter = iter(range(1, 1 << 62))
    return lambda: [one(str(next(counter)), f) for f in facts]


def evaluator_rows(kb_dir: Path | None, multi: Path, runs: int) -> dict[str, float]:
    """µs per scenario for our evaluator, raw durable, the plain-Python reference, and the rest
    of the per-scenario pipeline; firings per scenario; disagreements (must be 0)."""
    from engine import explain, formats
    from engine.enrich import normalize_code

    kb = load_kb(kb_dir, None)
    items = scenarios_from_documents(ys.read_bytes(multi.name, multi.read_bytes()))
    scenarios = [s for s in items if isinstance(s, Scenario)]
    n = len(scenarios)
    judge = Judge(kb)
    calcs = judge.compiled.calculations
    facts = [asserted_fact(s, kb, calcs) for s in scenarios]
    reference = [pyeval.reference_fact(s, kb) for s in scenarios]
    ev = judge.evaluator
    project = ev.form.project
    engine_facts = [project(f) for f in facts]
    pairs = list(zip(facts, engine_facts))
    raw = raw_durable(judge.compiled, ev.form, engine_facts)
    ours_fired = [sorted({f.rule for f in ev.evaluate(fact).firings}) for fact in facts]
    raw_fired = [sorted(set(r)) for r in raw()]
    plain_fired = [sorted(pyeval.fired_rules(kb, f)) for f in reference]
    firings = sum(len(ev.evaluate(f).firings) for f in facts) / n
    results = [judge.result(s) for s in scenarios]
    traces = [ev.evaluate(f) for f in facts]
    judgements = [explain.judge(s, t, kb) for s, t in zip(scenarios, traces)]
    codes = [(str(s.facts["procedure"]["code"]), normalize_code(str(s.facts["procedure"]["code"]))[0])
             for s in scenarios]
    # ours and raw back to back in each round, so their ratio compares runs made under one load
    medians, ratios = paired({"raw": raw, "evaluator": lambda: [ev.evaluate(f, e) for f, e in pairs]},
                             max(runs, 5))
    out = {
        "evaluator": medians["evaluator"] / n * 1e6, "over_raw": ratios["evaluator"],
        "project": cpu(lambda: [project(f) for f in facts], runs) / n * 1e6,
        "raw": medians["raw"] / n * 1e6,
        "plain": cpu(lambda: [pyeval.fired_rules(kb, f) for f in reference], runs) / n * 1e6,
        "enrich": cpu(lambda: [project(asserted_fact(s, kb, calcs)) for s in scenarios], runs) / n * 1e6,
        "result": cpu(lambda: [judge.result(s) for s in scenarios], runs) / n * 1e6,
        "explain": cpu(lambda: [explain.judge(s, t, kb) for s, t in zip(scenarios, traces)], runs) / n * 1e6,
        "suggest": cpu(lambda: [judge._suggestions(s, c, m, j) for s, (c, m), j
                                in zip(scenarios, codes, judgements)], runs) / n * 1e6,
        "render": cpu(lambda: [formats.run_jsonl_line(r, kb) for r in results], runs) / n * 1e6,
        "firings": firings, "rules": len(kb.rules), "scenarios": n,
        "disagree": sum(a != b or a != c for a, b, c in zip(ours_fired, raw_fired, plain_fired)),
    }
    judge.close()
    return out


# ------------------------------------------------------------------ processes

_RSS = ("import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss, r.returncode)")


def growth_row(folder: Path, n: int, runs: int, jobs: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of ``run --jobs N`` on ``n`` scenarios, medians."""
    times, cpus, rss = [], [], []
    for _ in range(runs):
        cmd = [sys.executable, "-c", _RSS, *engine_cmd(folder, KB20, jobs)]
        seconds, cpu_seconds, kbytes, code = subprocess.run(cmd, capture_output=True, text=True,
                                                             cwd=ROOT, env=ENV).stdout.split()
        if code not in ("0", "1"):
            raise SystemExit(f"growth run on {n} scenarios failed with exit {code}")
        times.append(float(seconds))
        cpus.append(float(cpu_seconds))
        rss.append(int(kbytes) / 1024)
    return statistics.median(times), statistics.median(cpus), statistics.median(rss)


def cold_start(runs: int) -> tuple[float, float, float]:
    """(ms of ``run`` on one bundled scenario, the same without any bytecode cache, ms of a bare
    interpreter), medians."""
    one = ROOT / "scenarios" / "attorney-authorized-ny.yaml"
    cmd = [sys.executable, "-m", "engine", "run", str(one), "--format", "jsonl"]
    run = wall(cmd, runs)
    with tempfile.TemporaryDirectory(prefix="cdt-nocache-") as empty:
        uncached = wall(cmd, runs, {**ENV, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty})
    bare = wall([sys.executable, "-c", "pass"], runs)
    return run * 1e3, uncached * 1e3, bare * 1e3


# ------------------------------------------------------------------ report

def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} x {model}, Python {sys.version.split()[0]}"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| measure | median | target | met |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


QUICK = False          # set by --quick: a smoke test, whose figures judge nothing


def verdict(ok: bool | None) -> str:
    if ok is None:
        return ""
    if QUICK:
        return "(not judged: --quick)"
    return "yes" if ok else "**no**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="scenarios per corpus (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; medians (default 3)")
    parser.add_argument("--growth", default="1000,10000,100000", help="sizes for RSS and cost growth")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run: a smoke test")
    args = parser.parse_args(argv)
    global QUICK
    QUICK = args.quick
    if args.quick:
        args.n, args.runs, args.growth = min(args.n, 60), 1, "30,60"
    sizes = [int(x) for x in args.growth.split(",") if x]
    docs = gen.scenarios(args.n, args.seed)
    with tempfile.TemporaryDirectory(prefix="cdt-bench-") as tmp:
        paths = write_corpus(Path(tmp), docs)
        timed(engine_cmd(paths["jsonl"], KB20, 2), 1)          # warm-up: bytecode cache, page cache
        rows = measure(args, paths, sizes, Path(tmp))
    print(f"cdt-companion benchmark: {args.n} generated scenarios, medians of {args.runs} runs, "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}, {machine()}")
    print(table(rows))
    return 0


def measure(args: argparse.Namespace, paths: dict[str, Path], sizes: list[int],
            tmp: Path) -> list[tuple[str, str, str, str]]:
    n, runs = args.n, args.runs
    rows: list[tuple[str, str, str, str]] = []
    e2e: dict[tuple[str, int], float] = {}
    for kind in ("files", "multi", "jsonl"):
        if paths[kind].is_file() and paths[kind].stat().st_size > ys.MAX_FILE_BYTES:
            raise SystemExit(f"{paths[kind].name} is over the {ys.MAX_FILE_BYTES} byte file limit: "
                             "use --n 10000 or less")
        for jobs in (1, 2):
            seconds, cpu_seconds = timed(engine_cmd(paths[kind], KB20, jobs), runs)
            e2e[kind, jobs] = n / seconds
            label = {"files": f"{n} files", "multi": "one YAML file", "jsonl": "one .jsonl file"}[kind]
            target, ok = "", None
            if jobs == 2 and kind in ("multi", "jsonl"):
                goal = 2500 if kind == "multi" else 5000
                target, ok = f">= {goal:,}/s", e2e[kind, jobs] >= goal
            rows.append((f"end to end, {label}, --jobs {jobs} (kb20)",
                         f"{e2e[kind, jobs]:,.0f} scenarios/s ({cpu_seconds / n * 1e6:.0f} µs CPU each)",
                         target, verdict(ok)))
    bundled = n / wall(engine_cmd(paths["multi"], None, 2), runs)
    rows.append(("end to end, one YAML file, --jobs 2 (bundled kb)", f"{bundled:,.0f} scenarios/s", "", ""))

    load = loader_rows(paths["multi"], runs)
    ratio = load["ratio"]
    rows += [
        ("loader: YAML read + validate, per document, in units as `run` reads", f"{load['loader']:.0f} µs", "", ""),
        ("floor: libyaml compose_all (PyYAML CSafeLoader, marks kept)", f"{load['floor_pyyaml']:.0f} µs", "", ""),
        ("ratio loader / CSafeLoader floor (median of per-round ratios)", f"{ratio:.2f}x", "<= 2x", verdict(ratio <= 2)),
        ("loader: the whole file into one list of scenarios, per document", f"{load['loader_whole']:.0f} µs", "", ""),
        ("floor: libyaml composer with our YAML 1.2 resolver, per document", f"{load['floor_ours']:.0f} µs", "", ""),
        ("loader: .jsonl read + validate, per document", f"{load['jsonl_loader']:.0f} µs", "", ""),
        ("loader: ruamel path (fallback), per document", f"{load['ruamel']:.0f} µs", "", ""),
    ]
    for name, kb_dir in (("kb20", KB20), ("bundled kb", None)):
        ev = evaluator_rows(kb_dir, paths["multi"], runs)
        over = ev["over_raw"]
        main_kb = name == "kb20"
        rows += [
            (f"evaluator ({name}, {ev['rules']} rules), per scenario", f"{ev['evaluator']:.0f} µs",
             "<= 150 µs" if main_kb else "", verdict(ev["evaluator"] <= 150) if main_kb else ""),
            (f"raw durable_rules, same rulesets and facts ({name})", f"{ev['raw']:.0f} µs", "", ""),
            (f"ratio evaluator / raw durable, median of per-round ratios ({name})", f"{over:.2f}x", "<= 1.3x" if main_kb else "",
             verdict(over <= 1.3) if main_kb else ""),
            (f"plain-Python reference, engine/pyeval.py ({name})", f"{ev['plain']:.0f} µs", "", ""),
            (f"firings per scenario ({name})", f"{ev['firings']:.2f}", "", ""),
            (f"evaluator per firing ({name})", f"{ev['evaluator'] / max(ev['firings'], 1e-9):.0f} µs", "", ""),
            (f"projection onto the engine's fields, in enrich ({name})", f"{ev['project']:.0f} µs", "", ""),
            (f"per scenario: enrich / evaluate / explain / suggest; the whole Judge.result ({name})",
             f"{ev['enrich']:.0f} / {ev['evaluator']:.0f} / {ev['explain']:.0f} / {ev['suggest']:.0f}"
             f"; {ev['result']:.0f} µs", "", ""),
            (f"render one JSON Lines line ({name})", f"{ev['render']:.0f} µs", "", ""),
            (f"scenarios where durable, raw and plain disagree ({name})", f"{ev['disagree']}", "0",
             verdict(ev["disagree"] == 0)),
        ]
    rows += growth_rows(sizes, runs, tmp)
    cold, uncached, bare = cold_start(max(5, runs))
    rows.append(("cold start: run on one scenario (bundled kb)", f"{cold:.0f} ms", "<= 300 ms", verdict(cold <= 300)))
    rows.append(("cold start, no bytecode cache (every module compiled from source)", f"{uncached:.0f} ms", "", ""))
    rows.append(("bare interpreter (python -c pass)", f"{bare:.0f} ms", "", ""))
    return rows


def growth_rows(sizes: list[int], runs: int, tmp: Path) -> list[tuple[str, str, str, str]]:
    """Cost per scenario is the CPU time over that of a run on one scenario (start-up, kb load),
    divided by the scenarios: the start-up would otherwise make small batches look dear. CPU
    time, not wall time: on a shared machine one busy second moved a 1,000-scenario run by half.
    Each round times a one-scenario run and the sized run back to back, and the cost is the
    median of the rounds' differences, so a slow spell moves both sides of one difference. The
    small runs are repeated more (they are short and their start-up dominates)."""
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[int, tuple[float, float]] = {}
    if not sizes:
        return rows
    one = write_growth(tmp, 1)
    _, base, base_rss = growth_row(one, 1, runs * 3, 1)
    rows.append(("start-up: run on 1 scenario (kb20), --jobs 1", f"{base * 1e3:.0f} ms CPU, {base_rss:.0f} MB", "", ""))
    for size in sizes:
        folder = write_growth(tmp, size)
        walls, costs, peaks = [], [], []
        for _ in range(runs * 3 if size <= 10_000 else runs):
            _, start_cpu, _ = growth_row(one, 1, 1, 1)
            seconds, cpu_seconds, peak = growth_row(folder, size, 1, 1)
            walls.append(seconds)
            costs.append((cpu_seconds - start_cpu) / size * 1e6)
            peaks.append(peak)
        seconds = statistics.median(walls)
        seen[size] = (statistics.median(costs), statistics.median(peaks))
        rows.append((f"{size:,} scenarios (.jsonl parts), --jobs 1: CPU over start-up, peak RSS",
                     f"{seen[size][0]:.0f} µs/scenario, {seen[size][1]:.0f} MB ({size / seconds:,.0f}/s wall)",
                     "", ""))
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        mid = 10_000 if 10_000 in seen and big != 10_000 else sizes[-2]
        rss = seen[big][1] / seen[mid][1]
        cost = seen[big][0] / seen[small][0]
        rows.append((f"ratio peak RSS {big:,} / {mid:,}", f"{rss:.2f}x", "<= 1.2x", verdict(rss <= 1.2)))
        rows.append((f"ratio cost per scenario {big:,} / {small:,}", f"{cost:.2f}x", "0.9x - 1.1x",
                     verdict(0.9 <= cost <= 1.1)))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
