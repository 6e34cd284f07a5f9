"""Evaluate scenarios with durable_rules. The only module that imports the engine.

It talks to the engine's C binding directly (``durable_rules_engine``), the calls that
``durable.engine`` itself makes, and leaves out its Python action layer: no ``Host`` (whose
constructor starts polling threads that are never stopped), no global host, and no action
callbacks (whose exceptions the engine swallows). What is asserted is the scenario projected
onto the fields the rules read (:mod:`engine.payload`); the trace keeps the whole fact for the
explanation. Fired rules are read from the engine's
action queue, recorded in a :class:`Trace`, and their derived facts asserted back, so forward
chaining runs to completion inside one call.

Isolation: every scenario gets a fresh sid, deleted in ``finally`` on every shard, so at most
one sid is live per ruleset (the engine caps live sids at 1024) and no state reaches the next
scenario, also after a failure.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from typing import Any, Mapping

import durable_rules_engine as _dre

from .compiler import CompiledKb
from .model import Firing, Trace
from .payload import lower


# Every ruleset also gets this rule, which matches any scenario fact: the engine corrupts its
# heap when a state is deleted after an assert that matched nothing in that ruleset (seen with
# durable_rules 2.0.28 once the rules span two shards), so every shard must match something.
# Its firings are consumed and never recorded; the name cannot collide with a kebab-case rule id.
SENTINEL = "_scenario_seen"
_SENTINEL_RULE = {"all": [{"m": {"t": "scenario"}}]}


class EngineFault(RuntimeError):
    """The rules engine failed on one scenario."""


class Evaluator:
    """Holds the compiled rulesets inside the engine; evaluates one scenario at a time."""

    _names = itertools.count(1)

    def __init__(self, compiled: CompiledKb) -> None:
        self.compiled = compiled
        self.form = lower(compiled)                   # short field names: a smaller fact to assert
        self._sids = itertools.count(1)
        self._handles: list[int] = []
        tag = next(self._names)
        try:
            for index, shard in enumerate(self.form.shards):
                name = f"cdt{tag}s{index}"
                body = {**shard, SENTINEL: _SENTINEL_RULE}
                self._handles.append(_dre.create_ruleset(name, json.dumps(body, sort_keys=True)))
        except BaseException:
            self.close()
            raise
        self._inputs = {rule: self._derived_inputs(body) for shard in compiled.shards
                        for rule, body in shard.items()}
        # A firing of a rule always records the same thing, so each is built once (issue 8).
        self._firings = {rule: Firing(rule, inputs, compiled.derives.get(rule, ()))
                         for rule, inputs in self._inputs.items()}
        # Each derived fact's payload (all but its sid) and the shards that read it, worked out
        # once: forward chaining asserts them for most scenarios.
        self._derivations = {
            name: (json.dumps({"t": "derived", "name": name})[:-1] + ', "sid": "',
                   tuple((index, self._handles[index]) for index in indexes))
            for name, indexes in compiled.consumers.items()}

    @staticmethod
    def _derived_inputs(body: Mapping[str, Any]) -> tuple[str, ...]:
        names = []
        for pattern in body["all"]:
            (alias, test), = pattern.items()
            if alias.startswith("d"):
                names.append(test["$and"][1]["name"])
        return tuple(names)

    def evaluate(self, fact: Mapping[str, Any], engine_fact: Mapping[str, Any] | None = None) -> Trace:
        """Assert one scenario fact, run every firing to completion, and forget the scenario.

        ``fact`` is the enriched scenario (the trace keeps it for the explanation);
        ``engine_fact`` its projection onto the rules' fields (``self.form.project``), which
        the caller may have made already as part of preparing the scenario.
        """
        sid = str(next(self._sids))
        firings: list[Firing] = []
        try:
            self._run(sid, self.form.project(fact) if engine_fact is None else engine_fact, firings)
        except Exception as err:                           # engine faults stay with this scenario
            return Trace(fact, tuple(firings), f"rules engine failed: {err}")
        finally:
            self._forget(sid)
        return Trace(fact, tuple(firings))

    def _run(self, sid: str, engine_fact: Mapping[str, Any], firings: list[Firing]) -> None:
        # The hot loop of a batch, kept as lean as the raw calls (issue 8: within 1.3x of them):
        # names bound locally, the sid written into the encoded fact (whose text ends in '}').
        payload = json.dumps(engine_fact)[:-1] + ', "sid": "' + sid + '"}'
        pending: deque[tuple[int, int]] = deque()
        assert_fact, complete = _dre.assert_fact, _dre.complete_and_start_action
        for index, handle in enumerate(self._handles):
            code, state = assert_fact(handle, payload)
            if code == 0:                                  # 1: nothing matched, 2: already known
                pending.append((index, state))
        made, derivations = self._firings, self._derivations
        while pending:
            index, state = pending.popleft()
            handle = self._handles[index]
            started = _dre.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:
                rule = message[2:message.index('"', 2)]
                if rule != SENTINEL:
                    firing = made.get(rule) or Firing(rule, (), self.compiled.derives.get(rule, ()))
                    firings.append(firing)
                    for name in firing.derived:            # assert what it derives, for the next round
                        head, readers = derivations.get(name, ("", ()))
                        for reader, reader_handle in readers:
                            code, reader_state = assert_fact(reader_handle, head + sid + '"}')
                            if code == 0:
                                pending.append((reader, reader_state))
                message = complete(handle, state)

    def _forget(self, sid: str) -> None:
        for handle in self._handles:
            try:
                _dre.delete_state(handle, sid)
            except Exception:                              # a sid the shard never saw
                pass

    def close(self) -> None:
        """Free the engine's rulesets (they are not garbage-collected otherwise)."""
        while self._handles:
            _dre.delete_ruleset(self._handles.pop())

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
