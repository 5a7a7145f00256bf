"""What the explorer's settlement page shows of L1: the newest batches (with their L1 transaction
and bytes), outputs (with status and finalization time) and dispute games (with their moves), and
where a withdrawal stands on the L1 bridge.

Everything is read from L1 on request, from the L1 blocks after the deployment, at most
LOOKBACK_L1_BLOCKS back, and at most `limit` items of each kind: a page costs a bounded number of
L1 requests however long the chain.
"""

from __future__ import annotations

from typing import Any

from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC, decode_batch_appended
from l1.contracts.bridge import FINALIZED_WITHDRAWALS, PROVEN_WITHDRAWALS
from l1.contracts.dispute_game import (
    DISPUTE_GAME_TOPICS,
    Defended,
    GameCancelled,
    GameCreated,
    Resolved,
    Responded,
    TimedOut,
    WithdrawalRootDisproven,
    decode_dispute_game_event,
)
from l1.contracts.output_oracle import (
    GET_OUTPUT,
    IS_FINALIZED,
    OUTPUT_COUNT,
    decode_output,
)
from l1.deploy import Deployment
from l1.rpc import L1Client, L1Log

LOOKBACK_L1_BLOCKS = 50_000
"""How far back in L1 the settlement page looks for batches and games."""


def hex_of(value: bytes) -> str:
    return "0x" + value.hex()


class SettlementView:
    """Reads the rollup's L1 contracts for the explorer (blocking: call it off the event loop)."""

    def __init__(self, client: L1Client, deployment: Deployment) -> None:
        self.client = client
        self.deployment = deployment

    def find_first_block(self, head: int) -> int:
        return max(self.deployment.deploy_block_number, head - LOOKBACK_L1_BLOCKS)

    def read_settlement(self, limit: int) -> dict[str, Any]:
        """The newest `limit` batches, outputs and games, newest first."""
        head = self.client.block_number()
        first = self.find_first_block(head)
        return {
            "l1": {
                "chainId": self.deployment.l1_chain_id,
                "head": head,
                "batchInbox": hex_of(self.deployment.batch_inbox),
                "outputOracle": hex_of(self.deployment.output_oracle),
                "disputeGame": hex_of(self.deployment.dispute_game),
                "bridge": hex_of(self.deployment.bridge),
                "finalizationPeriodSeconds": self.deployment.finalization_period_seconds,
            },
            "batches": self.read_batches(first, head, limit),
            "outputs": self.read_outputs(limit),
            "games": self.read_games(first, head, limit),
        }

    def read_batches(self, first: int, head: int, limit: int) -> list[dict[str, Any]]:
        logs = self.client.get_logs(
            [self.deployment.batch_inbox], [BATCH_APPENDED_TOPIC], first, head
        )
        batches = []
        for log in reversed(logs[-limit:]):
            appended = decode_batch_appended(log)
            calldata = self.client.get_transaction_input(log.tx_hash)
            batches.append(
                {
                    "index": appended.index,
                    "batchHash": hex_of(appended.batch_hash),
                    "l1Block": log.block_number,
                    "l1TransactionHash": hex_of(log.tx_hash),
                    "calldataBytes": len(calldata),
                }
            )
        return batches

    def call_oracle(self, data: bytes) -> bytes:
        return self.client.call(self.deployment.output_oracle, data)

    def read_outputs(self, limit: int) -> list[dict[str, Any]]:
        (count,) = OUTPUT_COUNT.decode_result(self.call_oracle(OUTPUT_COUNT.encode()))
        period = self.deployment.finalization_period_seconds
        outputs = []
        for index in range(int(count) - 1, max(int(count) - limit, 0) - 1, -1):
            (value,) = GET_OUTPUT.decode_result(self.call_oracle(GET_OUTPUT.encode(index)))
            output = decode_output(value)
            (finalized,) = IS_FINALIZED.decode_result(self.call_oracle(IS_FINALIZED.encode(index)))
            status = "finalized" if finalized else "challenged" if output.challenged else "pending"
            outputs.append(
                {
                    "index": index,
                    "l2Block": output.l2_block_number,
                    "outputRoot": hex_of(output.output_root),
                    "proposer": hex_of(output.proposer),
                    "proposedAt": output.timestamp,
                    "finalizesAt": output.timestamp + period,
                    "status": status,
                    "openChallenges": output.challenges,
                }
            )
        return outputs

    def read_games(self, first: int, head: int, limit: int) -> list[dict[str, Any]]:
        if self.deployment.dispute_game == bytes(20):
            return []
        logs = self.client.get_logs(
            [self.deployment.dispute_game], [list(DISPUTE_GAME_TOPICS)], first, head
        )
        games: dict[int, dict[str, Any]] = {}
        for log in logs:
            describe_game_event(games, log)
        newest = sorted(games, reverse=True)[:limit]
        return [games[game_id] for game_id in newest]

    def read_withdrawal_status(self, withdrawal_hash: bytes) -> str:
        """'finalized', 'proven' or 'not proven' on the L1 bridge."""
        bridge = self.deployment.bridge
        (finalized,) = FINALIZED_WITHDRAWALS.decode_result(
            self.client.call(bridge, FINALIZED_WITHDRAWALS.encode(withdrawal_hash))
        )
        if finalized:
            return "finalized"
        output_root, _timestamp, _index = PROVEN_WITHDRAWALS.decode_result(
            self.client.call(bridge, PROVEN_WITHDRAWALS.encode(withdrawal_hash))
        )
        return "proven" if bytes(output_root) != bytes(32) else "not proven"


def describe_game_event(games: dict[int, dict[str, Any]], log: L1Log) -> None:
    """Fold one DisputeGame log into `games` (by id): a game and its moves, in L1 order."""
    event = decode_dispute_game_event(log)
    if isinstance(event, WithdrawalRootDisproven):
        return  # about an output, not a game
    if isinstance(event, GameCreated):
        games[event.game_id] = {
            "id": event.game_id,
            "outputIndex": event.output_index,
            "l2Block": event.l2_block_number,
            "challenger": hex_of(event.challenger),
            "defender": hex_of(event.defender),
            "status": "open",
            "moves": [],
        }
        return
    game = games.get(event.game_id)
    if game is None:  # created before the lookback
        return
    move: dict[str, Any] = {"l1Block": log.block_number, "l1TransactionHash": hex_of(log.tx_hash)}
    if isinstance(event, Defended):
        move |= {"kind": "defend", "position": event.position, "claim": hex_of(event.claim)}
    elif isinstance(event, Responded):
        move |= {"kind": "respond", "agree": event.agree, "lo": event.lo, "hi": event.hi}
    elif isinstance(event, Resolved):
        move |= {"kind": "one-step proof", "result": event.status.name.lower()}
        game["status"] = event.status.name.lower()
    elif isinstance(event, TimedOut):
        move |= {"kind": "timeout", "loser": event.loser.name.lower()}
        game["status"] = event.status.name.lower()
    elif isinstance(event, GameCancelled):
        move |= {"kind": "cancelled"}
        game["status"] = "cancelled"
    game["moves"].append(move)
