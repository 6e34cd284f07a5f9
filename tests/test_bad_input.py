"""Bad input and hostile files: clear errors at the right place, nothing lost, nothing executed.

The corpus under tests/malformed/ has one broken file per kind of mistake; CORPUS below is the
exact first diagnostic each must give (``line:col: error: message``, and the hint line where
there is one).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from engine import yamlsource
from engine.loader import load_scenarios
from engine.model import Invalid
from tests.conftest import REPO

MALFORMED = REPO / "tests" / "malformed"

CORPUS = {
    "alias-bomb.yaml": ("1:15: error: document has more than 100000 values (counting every expansion "
                        "of an alias)", None),
    "bool-yes.yaml": ("2:25: error: 'billing.on_statement' must be true or false, not text",
                      "did you mean 'true'?"),
    "code-as-list.yaml": ("1:19: error: 'procedure.code' must be a code such as D9961, not a list", None),
    "complex-key.yaml": ("2:3: error: keys must be plain words", None),
    "count-not-whole.yaml": ("3:32: error: 'records[0].count' must be a whole number, not 2.5", None),
    "date-not-iso.yaml": ("1:18: error: '03/14/2026' is not a valid date for 'date_of_service': "
                          "write it as YYYY-MM-DD", None),
    "duplicate-key.yaml": ("3:1: error: duplicate key 'state' (first at line 2)", None),
    "empty.yaml": ("1:1: error: file is empty: expected at least one scenario", None),
    "expect-bad-topic.yaml": ("3:22: error: 'fees' is not a finding topic", None),
    "expect-bad-verdict.yaml": ("2:19: error: 'approved' is not a valid value for 'expect.verdict'",
                                "did you mean 'appropriate'?"),
    "expect-unknown-key.yaml": ("3:3: error: unknown key 'verdikt' in 'expect'", "did you mean 'verdict'?"),
    "fee-as-text.yaml": ("3:8: error: 'procedure.fee' must be an amount in USD, not text", None),
    "impossible-date.yaml": ("1:18: error: '2026-02-30' is not a valid date for 'date_of_service': "
                             "February 2026 has 28 days", None),
    "impossible-month.yaml": ("3:13: error: '2026-13-01' is not a valid date for 'request.received': "
                              "there is no month 13", None),
    "infinite-fee.yaml": ("1:31: error: 'procedure.fee' must be a finite amount of zero or more, not inf", None),
    "local-tag.yaml": ("2:9: error: tag '!Code' is not allowed: scenario files hold plain values only", None),
    "long-key.yaml": ("2:1: error: key is longer than 256 characters", None),
    "merge-key.yaml": ("3:3: error: merge keys ('<<') are not allowed", None),
    "missing-code.yaml": ("1:12: error: missing required key 'procedure.code' in procedure", None),
    "missing-procedure.yaml": ("1:1: error: missing required key 'procedure' in the scenario", None),
    "negative-count.yaml": ("3:32: error: 'records[0].count' must be zero or more, not -4", None),
    "negative-fee.yaml": ("1:31: error: 'procedure.fee' must be a finite amount of zero or more, not -25.0", None),
    "nested-too-deep.yaml": ("2:72: error: document is nested deeper than 64 levels", None),
    "not-a-mapping-list.yaml": ("1:1: error: a scenario must be a mapping of keys to values, not a list", None),
    "not-a-mapping-text.yaml": ("1:1: error: a scenario must be a mapping of keys to values, not text", None),
    "not-utf8.yaml": ("2:11: error: file is not valid UTF-8", None),
    "nul-character.yaml": ("2:11: error: invalid YAML: character U+0000 is not allowed", None),
    "null-document.yaml": ("1:1: error: document is empty (null): expected a mapping of keys to values", None),
    "only-comments.yaml": ("1:1: error: file holds no YAML document, only blank lines and comments", None),
    "python-tag-root.yaml": ("1:1: error: tag '!!python/object/apply:subprocess.check_output' is not allowed", None),
    "python-tag.yaml": ("3:9: error: tag '!!python/object/apply:os.system' is not allowed", None),
    "record-not-mapping.yaml": ("3:5: error: each item of 'records' must be a mapping, not text", None),
    "records-not-list.yaml": ("2:10: error: 'records' must be a list of record items, not a mapping", None),
    "section-not-mapping.yaml": ("1:12: error: 'procedure' must be a mapping of keys to values, not text", None),
    "state-lowercase.yaml": ("1:8: error: 'ny' is not a US state or DC code (two capital letters)",
                             "did you mean 'NY'?"),
    "syntax-bad-indent.yaml": ("3:2: error: invalid YAML: expected <block end>, but found "
                               "'<block mapping start>' (while parsing a block mapping that starts at "
                               "line 1, column 1)", "check the indentation of this line"),
    "syntax-tab-indent.yaml": ("2:1: error: invalid YAML: found character '\\t' that cannot start any token",
                               "indent with spaces: YAML does not allow tabs for indentation"),
    "syntax-unclosed-flow.yaml": ("2:6: error: invalid YAML: expected ',' or '}', but got ':' (while "
                                  "parsing a flow mapping that starts at line 1, column 12)", None),
    "tri-maybe.yaml": ("2:26: error: 'insurance.covers_code' must be true, false or unknown, not 'maybe'", None),
    "undefined-alias.yaml": ("1:12: error: invalid YAML: found undefined alias 'nowhere'", None),
    "unknown-key-nested.yaml": ("3:3: error: unknown key 'requestor' in 'request'", "did you mean 'requester'?"),
    "unknown-key-record.yaml": ("3:25: error: unknown key 'medum' in 'records[0]'", "did you mean 'medium'?"),
    "unknown-key-top.yaml": ("2:1: error: unknown key 'fee' in a scenario", "did you mean 'procedure.fee'?"),
    "unknown-value-no-hint.yaml": ("3:12: error: 'xrays' is not a valid value for 'records[0].kind' "
                                   "(one of: radiographs, photographs,", None),
    "unknown-value.yaml": ("2:17: error: 'record_duplication' is not a valid value for 'service.kind'",
                           "did you mean 'records_duplication'?"),
    "utf16.yaml": ("1:1: error: file is not valid UTF-8 (it looks like UTF-16: save it as UTF-8)", None),
}

GOOD = "procedure: {code: D9961}\nservice: {kind: records_duplication}\nrequest: {requester: patient}\n"


def test_the_corpus_and_the_table_list_the_same_files():
    assert sorted(p.name for p in MALFORMED.iterdir()) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_file_gives_its_exact_error(name):
    path = str(MALFORMED / name)
    (item,) = load_scenarios([path])
    assert isinstance(item, Invalid)
    first = item.diagnostics[0]
    expected, hint = CORPUS[name]
    assert str(first).split("\n")[0].startswith(f"{path}:{expected}")
    assert first.hint == hint or (hint is not None and first.hint and first.hint.startswith(hint))


def test_the_whole_corpus_in_one_batch_with_a_good_file(cli, write):
    good = write(GOOD, "good.yaml")
    code, out, err = cli("run", str(MALFORMED), good, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "Traceback" not in err
    assert [Path(r["file"]).name for r in rows] == sorted(CORPUS) + ["good.yaml"]
    assert all(r["error"] and r["verdict"] is None for r in rows[:-1])
    assert rows[-1]["error"] is None and rows[-1]["verdict"] is not None


# ---------------------------------------------------------------- hostile files

def test_python_tag_is_rejected_and_nothing_runs(cli, write, tmp_path):
    marker = tmp_path / "ran"
    path = write(f"procedure:\n  code: !!python/object/apply:os.system ['touch {marker}']\n"
                 f"title: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n")
    code, out, err = cli("run", path)
    assert code == 2
    assert f"{path}:2:9: error: tag '!!python/object/apply:os.system' is not allowed" in out
    assert not marker.exists()


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_ten_thousand_levels_of_nesting(cli, write, shape):
    levels = 10_000
    body = "[" * levels + "]" * levels if shape == "flow" else "\n" + "- " * levels + "x"
    path = write(f"procedure: {{code: D9961}}\ntitle: {body}\n")
    code, out, _ = cli("run", path, "--format", "jsonl")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    line = 2 if shape == "flow" else 3
    col = 8 + 64 if shape == "flow" else 1 + 2 * 64
    assert row["error"] == [f"{path}:{line}:{col}: error: document is nested deeper than 64 levels"]


def test_billion_laughs(cli, write):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write("\n".join(lines) + "\nprocedure: {code: D9961}\n")
    code, out, _ = cli("run", path, "--format", "jsonl")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert row["error"] == [f"{path}:1:15: error: document has more than 100000 values "
                            "(counting every expansion of an alias)"]


def test_fifty_megabyte_file(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("procedure: {code: D9961}\ntitle: ")
        handle.write("x" * (50 * 1024 * 1024))
    code, out, _ = cli("run", str(path), "--format", "jsonl")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert row["error"] == [f"{path}:1:1: error: file is larger than the 5 MiB limit"]


def test_fifty_megabytes_on_standard_input_are_not_all_read(cli, monkeypatch):
    stream = io.BytesIO(b"procedure: {code: D9961}\ntitle: " + b"x" * (50 * 1024 * 1024))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stream))
    code, out, _ = cli("run", "-", "--format", "jsonl")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and "file is larger than the 5 MiB limit" in row["error"][0]
    assert stream.tell() == yamlsource.MAX_FILE_BYTES + 1


TOO_LARGE_AT = "1044:129"     # the list item at which 16 million characters of paths are reached


def test_long_keys_cannot_multiply_memory(write):
    """Every value's position is kept under its full path: 63 levels of 250-character keys over
    a 2,000-item list would keep 30 million characters of paths; the budget stops it."""
    key = "k" * 250
    levels = "".join(f"{' ' * (2 * i)}{key}:\n" for i in range(63))
    path = write("procedure: {code: D9961}\n" + levels + (" " * 126 + "- 1\n") * 2000)
    (item,) = load_scenarios([path])
    assert isinstance(item, Invalid)
    assert [str(d) for d in item.diagnostics] == [
        f"{path}:{TOO_LARGE_AT}: error: document is too large: its keys are too long for the number "
        "of values under them"]


# ---------------------------------------------------------------- batches

def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_good_documents_survive_bad_ones_in_the_same_file(cli, write):
    path = write(GOOD + "---\nprocedure: [unclosed\n---\n" + GOOD.replace("patient", "dentist")
                 + "---\n~\n---\n" + GOOD + "state: XX\n")
    code, out, _ = cli("run", path, "--format", "jsonl")
    rows = _rows(out)
    assert code == 2
    assert [r["scenario"] for r in rows] == ["case#1", "case#2", "case#3", "case#4", "case#5"]
    assert [r["error"] is None for r in rows] == [True, False, True, False, False]
    # the unclosed '[' of line 5 is reported where its document ends, at the '---' of line 6
    # (as a YAML parser reading the whole file puts it), with where the '[' opened
    assert [r["line"] for r in rows] == [1, 6, 7, 11, 13]
    assert "starts at line 5, column 12" in rows[1]["error"][0]


def test_missing_file_empty_folder_and_unreadable_file_are_inputs_with_errors(cli, write, tmp_path, monkeypatch):
    good = write(GOOD, "good.yaml")
    secret = write(GOOD, "secret.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = str(tmp_path / "nope.yaml")
    real_open = open

    def guarded(path, *args, **kwargs):
        if str(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(yamlsource, "open", guarded, raising=False)
    code, out, err = cli("run", missing, good, str(empty), secret, "--format", "jsonl")
    rows = _rows(out)
    assert code == 2 and "Traceback" not in err
    assert [r["error"] for r in rows] == [
        [f"{missing}:1:1: error: no such file or folder"],
        None,
        [f"{empty}:1:1: error: folder holds no scenario files (*.yaml, *.yml, *.json, *.jsonl)"],
        [f"{secret}:1:1: error: cannot read file: Permission denied"],
    ]
    assert rows[1]["verdict"] is not None


def test_a_folder_named_like_a_scenario_is_not_read_as_one(cli, write, tmp_path):
    (tmp_path / "looks-like.yaml").mkdir()
    write(GOOD, "real.yaml")
    code, out, _ = cli("run", str(tmp_path), "--format", "jsonl")
    assert [Path(r["file"]).name for r in _rows(out)] == ["real.yaml"]


def _worst(row: dict) -> int:
    if row["error"]:
        return 2
    if row["verdict"] == "inappropriate" or any(f["severity"] == "error" for f in row["findings"]):
        return 1
    return 0


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
@pytest.mark.parametrize("batch", ["clean", "flagged", "broken"])
def test_exit_code_is_the_worst_result_in_every_format(cli, write, fmt, batch):
    docs = {"clean": [GOOD],
            "flagged": [GOOD, "procedure: {code: D99X1}\n"],
            "broken": [GOOD, "procedure: {code: D99X1}\n", "procedure: {code: D9961, fee: -1}\n"]}[batch]
    path = write("---\n".join(docs))
    _, out, _ = cli("run", path, "--format", "jsonl")
    expected = max(_worst(r) for r in _rows(out))
    assert expected == {"clean": expected, "flagged": 1, "broken": 2}[batch]
    code, out, err = cli("run", path, "--format", fmt)
    assert code == expected and "Traceback" not in err
    if fmt == "json":
        assert len(json.loads(out)["results"]) == len(docs)


# ---------------------------------------------------------------- a broken knowledge base

def _kb_copy(tmp_path: Path) -> tuple[Path, Path]:
    import shutil
    kb, facts = tmp_path / "kb", tmp_path / "facts"
    shutil.copytree(REPO / "kb", kb)
    shutil.copytree(REPO / "facts", facts)
    return kb, facts


def _replace(path: Path, old: str, new: str) -> int:
    """Edit a kb file; the 1-based line of the edit."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old) + len(old) - len(old.lstrip("\n"))].count("\n") + 1


BREAKAGES = {
    # name: (file, old text, new text, column, message start)
    "syntax": ("kb/code_fit.yaml", "    codes: [D9961]\n", "    codes: [D9961\n", None, "invalid YAML"),
    "python-tag": ("kb/code_fit.yaml", "    codes: [D9961]\n",
                   "    codes: !!python/object/apply:os.system ['true']\n", 12, "tag '!!python/object/apply:os.system'"),
    "unknown-topic": ("kb/code_fit.yaml", "    topic: code_fit\n", "    topic: code_fitt\n", 12,
                      "'code_fitt' is not a topic"),
    "unknown-fact": ("kb/code_fit.yaml", "{fact: service.kind, in:", "{fact: service.knd, in:", 7,
                     "condition reads unknown fact 'service.knd'"),
    "list-as-value": ("kb/code_fit.yaml", "{fact: procedure.code, is: D9961}",
                      "{fact: procedure.code, is: [D9961]}", 36, "'is' compares with one plain value"),
    "catalog-not-a-list": ("facts/codes.yaml", "\ncodes:\n", "\ncodes: 5\nold_codes:\n", 8,
                           "the code catalog holds a list under 'codes'"),
    "not-a-placeholder": ("kb/code_fit.yaml", "({request.requester}, for", "({Request.Requester }, for", 16,
                          "message has '{Request.Requester }', which is not a placeholder"),
    "catalog-year": ("facts/codes.yaml", "    added: 2014\n", "    added: soon\n", 12,
                     "'added' is the year of a CDT edition, such as 2020, not 'soon'"),
    "catalog-service-kind": ("facts/codes.yaml", "    service_kind: consultation\n",
                             "    service_kind: consultaton\n", 19, "'consultaton' is not a service kind"),
    "uncompilable": ("kb/code_fit.yaml", "{any_record: {fact: form, is: copy}}",
                     "{all_records: {any: [{fact: form, is: copy}, {fact: medium, is: paper}]}}", 1,
                     "rule 'd9961-fits-external-copies': 'all_records' takes only"),
}


EVERY_COMMAND = ("syntax", "unknown-topic", "uncompilable")


def _argv(command: str, scenario: str) -> list[str]:
    """The least a command needs to get as far as loading the knowledge base."""
    return {"run": [scenario], "test": [scenario], "explain": [scenario], "suggest": ["D9961"],
            "codes": [], "rules": [], "check": [], "graph": []}.get(command, [])


def _kb_commands() -> list[str]:
    """Every registered command that takes --kb (those that read the knowledge base)."""
    from engine.cli import COMMAND_MODULES, build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return [n for n in COMMAND_MODULES if any("--kb" in a.option_strings for a in sub.choices[n]._actions)]


def test_a_rule_that_needs_what_only_it_derives_is_refused(cli, write, tmp_path):
    """A cycle of derived facts makes rules that can never fire: an error at each such rule."""
    kb, facts = _kb_copy(tmp_path)
    target = kb / "authorization.yaml"
    _replace(target, "      - {derived: external-request}\n      - any:\n          - {fact: request.requester, in: [attorney,",
             "      - {derived: needs-authorization}\n      - any:\n          - {fact: request.requester, in: [attorney,")
    code, _, err = cli("check", "--kb", str(kb), "--facts", str(facts))
    assert code == 2 and "Traceback" not in err
    assert "rule 'authorization-needed-third-party' can never fire: derived fact 'needs-authorization'" in err
    assert "rule 'authorization-missing-third-party' can never fire" in err


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_kb_file_gives_the_same_error_from_every_command(cli, write, tmp_path, breakage):
    kb, facts = _kb_copy(tmp_path)
    name, old, new, col, message = BREAKAGES[breakage]
    target = tmp_path / name
    line = _replace(target, old, new)
    scenario = write(GOOD, "good.yaml")
    commands = _kb_commands()
    assert {"run", "explain"} <= set(commands)
    if breakage not in EVERY_COMMAND:              # every command loads the kb the same way;
        commands = ["run"]                         # a few breakages are enough to show it
    for command in commands:
        code, out, err = cli(command, *_argv(command, scenario), "--kb", str(kb), "--facts", str(facts))
        assert code == 2, (command, out, err)
        assert "Traceback" not in err
        if breakage == "uncompilable":
            assert f"{target}:" in err and message in err, (command, err)
        elif breakage == "syntax":
            assert f"{target}:{line + 1}:" in err and message in err, (command, err)
        else:
            assert f"{target}:{line}:{col}: error: {message}" in err, (command, err)


def test_a_missing_kb_folder(cli, tmp_path):
    code, _, err = cli("rules", "--kb", str(tmp_path / "nowhere"))
    assert code == 2 and f"{tmp_path / 'nowhere'}:1:1: error: knowledge base folder not found" in err


# ---------------------------------------------------------------- engine faults

# The marker sits in a field the rules read, so it is in what the evaluator asserts (only
# those fields are: engine/payload.py).
BOOM = GOOD + "claim: {status: submitted, original_claim_ref: BOOM}\n"
OTHER = "procedure: {code: D9910}\nservice: {kind: records_duplication}\nrequest: {requester: attorney}\n"


def _items(text: str):
    from engine.loader import scenarios_from_documents
    from engine.yamlsource import read_documents
    return scenarios_from_documents(read_documents("batch.yaml", text))


@pytest.mark.parametrize("where", ["assert", "action", "enrich"])
def test_an_engine_fault_stays_with_its_scenario(kb, monkeypatch, where):
    from engine import evaluator, runner
    from engine.runner import Judge
    items = _items("---\n".join([GOOD, BOOM, OTHER, GOOD]))
    with Judge(kb) as alone:
        expected = [alone.result(i).to_dict() for i in items]
    dre = evaluator._dre
    armed, deleted, exploded = [], [], []
    real_assert, real_start, real_delete = dre.assert_fact, dre.start_action_for_state, dre.delete_state

    def assert_fact(handle, payload):
        code = real_assert(handle, payload)            # the state exists in this shard, then...
        if "BOOM" in payload:
            armed.append(json.loads(payload)["sid"])
            if where == "assert":
                raise RuntimeError("engine exploded")
        return code

    def start_action(handle, state):
        if armed and where == "action" and not exploded:
            exploded.append(state)                     # once: in the middle of forward chaining
            raise RuntimeError("engine exploded")
        return real_start(handle, state)

    def prepare(scenario, *args):
        if where == "enrich" and scenario.facts.get("claim", {}).get("original_claim_ref") == "BOOM":
            raise RuntimeError("enrichment exploded")
        return real_prepare(scenario, *args)

    real_prepare = runner.asserted_fact
    monkeypatch.setattr(dre, "assert_fact", assert_fact)
    monkeypatch.setattr(dre, "start_action_for_state", start_action)
    monkeypatch.setattr(dre, "delete_state", lambda h, sid: (deleted.append((h, sid)), real_delete(h, sid))[1])
    monkeypatch.setattr(runner, "asserted_fact", prepare)
    with Judge(kb) as judge:
        got = [judge.result(i).to_dict() for i in items]
        handles = list(judge.evaluator._handles)
    assert got[1]["verdict"] is None and len(got[1]["error"]) == 1
    assert "exploded" in got[1]["error"][0] and got[1]["error"][0].startswith("batch.yaml:5:1: error: ")
    assert [got[i] for i in (0, 2, 3)] == [expected[i] for i in (0, 2, 3)]
    if where != "enrich":
        (sid,) = armed[:1]
        assert {h for h, s in deleted if s == sid} == set(handles)


def test_an_engine_fault_in_a_cli_batch(cli, write, monkeypatch):
    from engine import runner
    path = write("---\n".join([GOOD, BOOM, OTHER]))
    _, clean, _ = cli("run", path, "--format", "jsonl", "--jobs", "1")
    real = runner.asserted_fact

    def prepare(scenario, *args):
        if scenario.facts.get("claim", {}).get("original_claim_ref") == "BOOM":
            raise ValueError("bad luck")
        return real(scenario, *args)
    monkeypatch.setattr(runner, "asserted_fact", prepare)
    code, out, err = cli("run", path, "--format", "jsonl", "--jobs", "1")
    before, after = _rows(clean), _rows(out)
    assert code == 2 and "Traceback" not in err
    assert after[1]["error"] == [f"{path}:5:1: error: could not prepare the scenario for the engine: "
                                 "ValueError('bad luck')"]
    assert [after[0], after[2]] == [before[0], before[2]]
