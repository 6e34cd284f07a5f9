"""The pipeline for a batch: loaded scenarios in, :class:`Result` values out, in input order.

load (loader.py) → compile (compiler.py) → evaluate (evaluator.py) → explain (explain.py).
A :class:`Judge` compiles the knowledge base once and keeps it inside the engine for the whole
batch; each scenario is evaluated in isolation, and one that cannot be loaded or evaluated
becomes a result carrying its error, so every input is accounted for.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Iterator

from .compiler import CompiledKb
from .enrich import asserted_fact, normalize_code
from .errors import Diagnostic, KnowledgeBaseError
from .evaluator import Evaluator
from .explain import Judgement, judge
from .kbload import compile_checked
from .model import Invalid, KnowledgeBase, Result, Scenario, Trace

if TYPE_CHECKING:                  # suggestions are imported when first needed (cold start)
    from . import suggest

SUGGESTING_TOPICS = ("code_fit", "code_validity")


class Judge:
    """Judges scenarios against one compiled knowledge base."""

    def __init__(self, kb: KnowledgeBase, compiled: CompiledKb | None = None) -> None:
        self.kb = kb
        self.compiled = compiled or compile_checked(kb)
        try:
            self.evaluator = Evaluator(self.compiled)
        except Exception as err:                  # the engine refused a ruleset
            raise KnowledgeBaseError([Diagnostic(str(kb.rules[0].file if kb.rules else "kb"), 1, 1,
                                                 f"the rules engine refused the knowledge base: {err}")]) from None

    def close(self) -> None:
        """Release the engine's rulesets."""
        self.evaluator.close()

    def __enter__(self) -> "Judge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def trace(self, scenario: Scenario) -> tuple[Trace, Judgement | None]:
        """Evaluate one scenario; the judgement is None when a step failed.

        A failure in any step (enrichment, the engine, the explanation) becomes this trace's
        error, so it is reported as this scenario's error and the batch goes on.
        """
        try:
            fact = asserted_fact(scenario, self.kb, self.compiled.calculations)
            engine_fact = self.evaluator.form.project(fact)
        except Exception as err:
            return Trace({}, (), f"could not prepare the scenario for the engine: {err!r}"), None
        trace = self.evaluator.evaluate(fact, engine_fact)
        if trace.error:
            return trace, None
        try:
            return trace, judge(scenario, trace, self.kb)
        except Exception as err:
            return replace(trace, error=f"could not explain the result: {err!r}"), None

    def results(self, items: Iterable[Scenario | Invalid]) -> Iterator[Result]:
        """One result per input, in order."""
        for item in items:
            yield self.result(item)

    def result(self, item: Scenario | Invalid) -> Result:
        """The result for one loaded document; a fault in any step is this input's error."""
        if isinstance(item, Invalid):
            return Result(item.id, item.file, item.line, None, None, None, error=item.diagnostics)
        try:
            return self._judged(item)
        except Exception as err:                  # last line of defence: the batch goes on
            diag = Diagnostic(item.file, item.line, 1, f"could not judge this scenario: {err!r}")
            return Result(item.id, item.file, item.line, None, None, None, error=(diag,), title=item.title)

    def _judged(self, item: Scenario) -> Result:
        code = str(item.facts["procedure"]["code"])
        normalized, _ = normalize_code(code)
        trace, judgement = self.trace(item)
        if judgement is None:
            diag = Diagnostic(item.file, item.line, 1, trace.error or "evaluation failed")
            return Result(item.id, item.file, item.line, code, normalized, None, error=(diag,),
                          title=item.title)
        try:
            suggestions = tuple(self._suggestions(item, code, normalized, judgement))
        except Exception as err:
            diag = Diagnostic(item.file, item.line, 1, f"could not rank code suggestions: {err!r}")
            return Result(item.id, item.file, item.line, code, normalized, None, error=(diag,),
                          title=item.title)
        return Result(item.id, item.file, item.line, code, normalized, judgement.verdict,
                      judgement.missing_facts, judgement.findings, suggestions,
                      judgement.fired, title=item.title)

    def _suggestions(self, scenario: Scenario, code: str, normalized: str | None,
                     judgement: Judgement) -> list[suggest.Suggestion]:
        unknown = normalized is None or normalized not in self.kb.codes
        misfit = judgement.verdict == "inappropriate" and any(
            f.topic in SUGGESTING_TOPICS for f in judgement.findings)
        if not (unknown or misfit):
            return []
        hints = [c for rid in judgement.fired for c in (self.kb.rule(rid).suggest if self.kb.rule(rid) else ())]
        from . import suggest
        return suggest.for_scenario(code, scenario.facts, self.kb, hints)
