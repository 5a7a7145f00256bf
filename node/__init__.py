"""The L2 node both roles run: the chain and its store, signature recovery, the role interface,
the JSON-RPC server (docs/ARCHITECTURE.md)."""
