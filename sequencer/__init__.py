"""The sequencer role: mempool, admission and block builder, and its L1 side (batcher, proposer,
settlement). It runs on a node.chain.Node served by node.server (docs/ARCHITECTURE.md)."""
