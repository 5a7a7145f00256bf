"""The tokens, AMM pools, lending markets and perps markets the chain holds, for the explorer's account page.

They are leaves of the state (rollup.state); the catalogue is read from the head state's leaves
once per head block, on the event loop like every other read of the head state.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollup.state import KIND_MARKET, KIND_PERPS_MARKET_CONFIG, KIND_POOL, KIND_TOKEN, State


@dataclass(frozen=True, slots=True)
class Catalogue:
    head: int
    tokens: tuple[bytes, ...]
    pools: tuple[tuple[bytes, bytes], ...]
    """(token0, token1) of each pool, token0 < token1."""
    markets: tuple[bytes, ...]
    """The lending markets' assets."""
    perps_markets: tuple[bytes, ...] = ()
    """The perps markets' assets."""


def read_catalogue(state: State, head: int) -> Catalogue:
    tokens: list[bytes] = []
    pools: list[tuple[bytes, bytes]] = []
    markets: list[bytes] = []
    perps_markets: list[bytes] = []
    for key in state.leaves:
        kind = key[0]
        if kind == KIND_TOKEN:
            tokens.append(bytes(key[1]))
        elif kind == KIND_POOL:
            pools.append((bytes(key[1]), bytes(key[2])))
        elif kind == KIND_MARKET:
            markets.append(bytes(key[1]))
        elif kind == KIND_PERPS_MARKET_CONFIG:
            perps_markets.append(bytes(key[1]))
    return Catalogue(
        head,
        tuple(sorted(tokens)),
        tuple(sorted(pools)),
        tuple(sorted(markets)),
        tuple(sorted(perps_markets)),
    )
