"""The verifier: rebuilds the L2 chain from L1 alone and checks the sequencer's output roots."""
