"""TESTING ONLY: a dishonest operator, as a plug-in the CLI wires in (`--fault`, `--censor`).

Nothing in the roles knows about it: the proposer takes its outputs from an OutputSource and the
defender its claims from a TraceProvider (faults.outputs supplies wrong ones), and a censoring
sequencer is a Sequencer that overrides admission (faults.censorship). Tests and demos of the
fraud proofs and of forced inclusion use it; an operator never should.
"""
