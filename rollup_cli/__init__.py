"""The operator command line: `rollup devnet`, `sequencer`, `status`, `genesis`, `bench`."""
