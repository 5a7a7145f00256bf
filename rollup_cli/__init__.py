"""The operator command line: `rollup devnet`, `rollup sequencer`, `rollup status`, `rollup bench`."""
