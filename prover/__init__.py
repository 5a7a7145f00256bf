"""The verifier role and the fraud-proof player: derives the L2 chain from L1 alone, checks the
proposed outputs, and disputes wrong ones (traces, bisection, one-step proofs)."""
