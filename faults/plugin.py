"""The `--fault` plug-in: what a faulty sequencer replaces in the honest one, by kind.

The CLI asks `load_fault(kind)` and wires what it gets: a Sequencer subclass, a Batcher subclass,
and the proposer's output source with the defender's trace provider. Kinds of faults.perturbation
keep the honest sequencer and batcher and bond one perturbed output; kinds of faults.rules break a
derivation rule on L1 and bond their own chain's output.
"""

from __future__ import annotations

from dataclasses import dataclass

from faults.outputs import FaultyOutputs
from faults.perturbation import FAULT_KINDS as PERTURBATION_KINDS
from faults.rules import RULE_BATCHERS, RULE_KINDS, RULE_SEQUENCERS, RuleBreakingOutputs
from node.proposer import OutputSource
from prover.traces import NodeTraceProvider, TraceProvider
from sequencer.batcher import Batcher
from sequencer.role import Sequencer

FAULT_KINDS = (*PERTURBATION_KINDS, *RULE_KINDS)


class UnknownFault(ValueError):
    """--fault names no kind of fault."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of dishonest sequencer."""

    kind: str

    @property
    def breaks_a_rule(self) -> bool:
        """Whether the sequencer's chain itself breaks a derivation rule (faults.rules)."""
        return self.kind in RULE_KINDS

    def sequencer_class(self) -> type[Sequencer]:
        return RULE_SEQUENCERS.get(self.kind, Sequencer)

    def batcher_class(self) -> type[Batcher]:
        return RULE_BATCHERS.get(self.kind, Batcher)

    def make_outputs(
        self, provider: NodeTraceProvider, beneficiary: bytes
    ) -> tuple[OutputSource, TraceProvider]:
        """The proposer's output source and the defender's trace provider (one object)."""
        if self.breaks_a_rule:
            rules = RuleBreakingOutputs(provider, self.kind)
            return rules, rules
        faulty = FaultyOutputs(provider, self.kind, beneficiary)
        return faulty, faulty


def load_fault(kind: str) -> Fault:
    if kind not in FAULT_KINDS:
        raise UnknownFault(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
    return Fault(kind)
