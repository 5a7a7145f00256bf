"""The protocol: what a valid chain of this rollup is.

Pure functions and dataclasses only: no I/O, no clocks, no globals that change. Both roles (the
sequencer and the verifier) import this package; it imports no other package of the project.
"""
