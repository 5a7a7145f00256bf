"""The sequencer: mempool, block builder, batcher, proposer, JSON-RPC server and storage."""
