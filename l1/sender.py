"""Sending transactions to L1 from one key: nonces, fees, receipts, replacement.

The batcher and the proposer each own a key and post to L1 for as long as the node runs, so this
must keep working across the things that happen to a long-lived L1 sender:

- Nonces are tracked locally (several transactions can be in flight, e.g. a batch per L1 block
  while earlier ones are still pending) and taken from the chain's 'pending' count on start, so a
  restarted process continues where it left off. If the chain says "nonce too low" (another
  process used the key, or the local count is stale), the count is reset from the chain and the
  transaction is signed again once.
- Fees are EIP-1559: max fee = 2 x the next block's base fee + tip, which stays includable through
  six consecutive full blocks of base-fee growth (12.5% each).
- A transaction that sits unmined can be replaced with the same nonce at fees raised by 12.5% (the
  bump geth and anvil require of a replacement is 10%), by `resubmit_if_stuck` or by
  `send_and_wait(bump_after=...)`; waiting follows every replacement of a transaction.
- A mined transaction with status 0 raises L1TransactionFailed with the reason, found by replaying
  the call with eth_call at the block that mined it (receipts carry no revert data).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

from l1.rpc import L1Client, L1Error, L1Receipt, L1RpcError
from rollup.crypto import compute_private_key_address, keccak256
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

GAS_MARGIN_NUMERATOR = 6
GAS_MARGIN_DENOMINATOR = 5
"""Gas limit = estimate x 6/5: estimates are exact for the state they ran on, and the state the
transaction meets can differ (e.g. a storage slot written first by another transaction)."""

BASE_FEE_MULTIPLIER = 2
DEFAULT_MIN_PRIORITY_FEE = 1_000_000_000
"""1 gwei: the floor of the tip, when the node suggests less (anvil suggests 1 gwei anyway)."""

BUMP_NUMERATOR = 9
BUMP_DENOMINATOR = 8
"""Replacement fees are the old ones x 9/8 (+12.5%), above the 10% replacement rule of txpools."""

DEFAULT_WAIT_TIMEOUT = 120.0
DEFAULT_POLL_INTERVAL = 0.1

_NONCE_TOO_LOW = ("nonce too low", "nonce is too low", "oldnonce")
_ALREADY_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")


class L1TransactionFailed(L1Error):
    """A transaction was mined with status 0; `reason` is the replayed revert reason ('' if the
    replay found none, e.g. out of gas)."""

    def __init__(self, receipt: L1Receipt, reason: str) -> None:
        self.receipt = receipt
        self.reason = reason
        super().__init__(
            f"L1 transaction 0x{receipt.tx_hash.hex()} reverted in block {receipt.block_number}"
            + (f": {reason}" if reason else "")
        )


class L1TransactionTimeout(L1Error):
    """No transaction of a nonce (the original or a replacement) was mined within the timeout."""

    def __init__(self, tx_hashes: list[bytes], timeout: float) -> None:
        self.tx_hashes = tx_hashes
        super().__init__(
            f"no receipt for 0x{tx_hashes[-1].hex()} (and {len(tx_hashes) - 1} earlier versions)"
            f" within {timeout} s"
        )


@dataclass(frozen=True, slots=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(slots=True)
class _Submission:
    """One signed transaction this sender broadcast, and when."""

    tx: Transaction
    tx_hash: bytes
    sent_at: float


@dataclass(slots=True)
class _NonceFamily:
    """Every version (original and replacements) of the transaction with one nonce."""

    submissions: list[_Submission] = field(default_factory=list)

    @property
    def latest(self) -> _Submission:
        return self.submissions[-1]


class L1Sender:
    """Signs and sends EIP-1559 transactions from one private key."""

    def __init__(
        self,
        client: L1Client,
        private_key: bytes,
        chain_id: int | None = None,
        *,
        min_priority_fee: int = DEFAULT_MIN_PRIORITY_FEE,
        max_fee_cap: int | None = None,
    ) -> None:
        """`chain_id` None asks the node. `max_fee_cap` bounds max_fee_per_gas (an operator's
        guard against paying for a fee spike); a transaction then may wait for fees to drop."""
        self.client = client
        self._private_key = private_key
        self.address = compute_private_key_address(private_key)
        self.chain_id = chain_id if chain_id is not None else client.chain_id()
        self.min_priority_fee = min_priority_fee
        self.max_fee_cap = max_fee_cap
        self._lock = threading.RLock()
        self._families: dict[int, _NonceFamily] = {}
        self._by_hash: dict[bytes, int] = {}
        self._next_nonce = self.pending_nonce()

    # -- nonces -------------------------------------------------------------------------------

    def pending_nonce(self) -> int:
        """The chain's next nonce for this key, counting transactions still in its pool."""
        return self.client.get_transaction_count(self.address, "pending")

    @property
    def next_nonce(self) -> int:
        """The nonce the next send() will use."""
        return self._next_nonce

    def reset_nonce(self) -> int:
        """Forget the local count and take the chain's pending nonce; return it."""
        with self._lock:
            self._next_nonce = self.pending_nonce()
            return self._next_nonce

    def count_pending(self) -> int:
        """Transactions of this key waiting in L1's pool (sent, not mined yet): ones this process
        lost track of, if it holds none in flight (a restart, a send cut midway)."""
        latest = self.client.get_transaction_count(self.address, "latest")
        return max(self.client.get_transaction_count(self.address, "pending") - latest, 0)

    def rewind_nonce(self) -> int:
        """Take the next nonce from the chain's count of *mined* transactions; return it.

        After an L1 reorg dropped transactions of this key: signing with the local count (or the
        pool's, which counts transactions queued behind the gap) would never be mined. If one of
        ours is still pending at that nonce, the next send is refused as a replacement until it
        is mined, and then send()'s 'nonce too low' retry takes over.
        """
        with self._lock:
            self._next_nonce = self.client.get_transaction_count(self.address, "latest")
            return self._next_nonce

    # -- fees ---------------------------------------------------------------------------------

    def suggest_fees(self) -> Fees:
        """2 x the next block's base fee + the node's suggested tip (at least min_priority_fee)."""
        try:
            base_fee = self.client.fee_history(1, "latest").next_base_fee
        except L1RpcError:  # eth_feeHistory is optional on some nodes
            base_fee = self.client.get_block("latest").base_fee
        try:
            tip = self.client.max_priority_fee_per_gas()
        except L1RpcError:
            tip = 0
        tip = max(tip, self.min_priority_fee)
        max_fee = BASE_FEE_MULTIPLIER * base_fee + tip
        if self.max_fee_cap is not None:
            max_fee = min(max_fee, self.max_fee_cap)
            tip = min(tip, max_fee)
        return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)

    # -- sending ------------------------------------------------------------------------------

    def estimate_gas(self, to: bytes | None, data: bytes, value: int = 0) -> int:
        """The gas limit to use: the node's estimate with a 20% margin. A call that would revert
        raises L1RpcError with the reason, before anything is signed or a nonce used."""
        estimate = self.client.estimate_gas(to, data, sender=self.address, value=value)
        return estimate * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR

    def send(
        self,
        to: bytes | None,
        data: bytes = b"",
        value: int = 0,
        gas: int | None = None,
        fees: Fees | None = None,
    ) -> bytes:
        """Sign and broadcast a transaction with the next nonce; return its hash.

        `to` None creates a contract. Without `gas` the gas limit is estimated (a reverting call
        raises L1RpcError then); with it the transaction is sent as is and may be mined with
        status 0.
        """
        if gas is None:
            gas = self.estimate_gas(to, data, value)
        if fees is None:
            fees = self.suggest_fees()
        with self._lock:
            tx = Transaction(
                tx_type=TX_TYPE_DYNAMIC_FEE,
                chain_id=self.chain_id,
                nonce=self._next_nonce,
                max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                max_fee_per_gas=fees.max_fee_per_gas,
                gas_limit=gas,
                to=to,
                value=value,
                data=data,
                access_list=(),
            )
            try:
                tx_hash = self._broadcast(tx)
            except L1RpcError as exc:
                if not _is_nonce_too_low(exc):
                    raise
                # Someone else used this key, or a restart lost track: take the chain's count.
                tx = replace(tx, nonce=self.pending_nonce())
                tx_hash = self._broadcast(tx)
            self._next_nonce = tx.nonce + 1
            return tx_hash

    def _broadcast(self, tx: Transaction) -> bytes:
        """Sign and send `tx`, recording it; an 'already known' answer counts as sent."""
        raw = encode_transaction(sign_transaction(tx, self._private_key))
        tx_hash = keccak256(raw)
        try:
            self.client.send_raw_transaction(raw)
        except L1RpcError as exc:
            if not _is_already_known(exc):
                raise
        family = self._families.setdefault(tx.nonce, _NonceFamily())
        family.submissions.append(_Submission(tx, tx_hash, time.monotonic()))
        self._by_hash[tx_hash] = tx.nonce
        return tx_hash

    def send_and_wait(
        self,
        to: bytes | None,
        data: bytes = b"",
        value: int = 0,
        gas: int | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        bump_after: float | None = None,
    ) -> L1Receipt:
        """send() and wait_for_receipt(); raises L1TransactionFailed on status 0."""
        tx_hash = self.send(to, data, value, gas)
        return self.wait_for_receipt(tx_hash, timeout=timeout, bump_after=bump_after)

    def wait_for_receipt(
        self,
        tx_hash: bytes,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        bump_after: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> L1Receipt:
        """Wait until `tx_hash` or one of its replacements is mined; return that receipt.

        With `bump_after`, the transaction is replaced at +12.5% fees each time it has waited that
        many seconds. Raises L1TransactionTimeout, or L1TransactionFailed on status 0.
        """
        deadline = time.monotonic() + timeout
        while True:
            for candidate in reversed(self._versions(tx_hash)):
                receipt = self.client.get_receipt(candidate)
                if receipt is not None:
                    reason = None if receipt.succeeded else self._replay_reason(candidate, receipt)
                    self._forget(candidate)
                    if reason is not None:
                        raise L1TransactionFailed(receipt, reason)
                    return receipt
            if time.monotonic() >= deadline:
                raise L1TransactionTimeout(self._versions(tx_hash), timeout)
            if bump_after is not None:
                self.resubmit_if_stuck(tx_hash, bump_after)
            time.sleep(poll_interval)

    def resubmit_if_stuck(self, tx_hash: bytes, after_seconds: float) -> bytes:
        """Replace a transaction unmined for `after_seconds` with fees +12.5% and the same nonce.

        Returns the hash of the version now in flight: the new one if a replacement was sent,
        else the latest one. Nothing is sent if a version was mined or the nonce is used up.
        The new fees are at least what suggest_fees() says now, so a replacement also catches up
        with a base fee that rose since the original was signed.
        """
        with self._lock:
            nonce = self._by_hash.get(tx_hash)
            if nonce is None:
                raise KeyError(f"0x{tx_hash.hex()} was not sent by this L1Sender")
            family = self._families[nonce]
            latest = family.latest
            if time.monotonic() - latest.sent_at < after_seconds:
                return latest.tx_hash
            if any(self.client.get_receipt(s.tx_hash) is not None for s in family.submissions):
                return latest.tx_hash
            if self.client.get_transaction_count(self.address, "latest") > nonce:
                return latest.tx_hash
            suggested = self.suggest_fees()
            tip = max(_bump(latest.tx.max_priority_fee_per_gas), suggested.max_priority_fee_per_gas)
            max_fee = max(_bump(latest.tx.max_fee_per_gas), suggested.max_fee_per_gas, tip)
            replacement = replace(latest.tx, max_priority_fee_per_gas=tip, max_fee_per_gas=max_fee)
            try:
                return self._broadcast(replacement)
            except L1RpcError as exc:
                if _is_nonce_too_low(exc):  # a version was mined in the meantime
                    return latest.tx_hash
                raise

    def _versions(self, tx_hash: bytes) -> list[bytes]:
        nonce = self._by_hash.get(tx_hash)
        if nonce is None or nonce not in self._families:
            return [tx_hash]
        return [s.tx_hash for s in self._families[nonce].submissions]

    def _forget(self, tx_hash: bytes) -> None:
        with self._lock:
            nonce = self._by_hash.get(tx_hash)
            family = self._families.pop(nonce, None) if nonce is not None else None
            if family is not None:
                for submission in family.submissions:
                    self._by_hash.pop(submission.tx_hash, None)

    def _replay_reason(self, tx_hash: bytes, receipt: L1Receipt) -> str:
        """Why a mined transaction reverted: its call replayed with eth_call at its block."""
        nonce = self._by_hash.get(tx_hash)
        tx: Transaction | None = None
        family = self._families.get(nonce) if nonce is not None else None
        if family is not None:
            tx = next((s.tx for s in family.submissions if s.tx_hash == tx_hash), None)
        return replay_revert_reason(self.client, tx_hash, receipt, self.address, tx)


def replay_revert_reason(
    client: L1Client,
    tx_hash: bytes,
    receipt: L1Receipt,
    sender: bytes,
    tx: Transaction | None = None,
) -> str:
    """The revert reason of a mined, failed transaction, by replaying its call at its block.

    `tx` saves a lookup when the caller has the transaction. Returns 'out of gas' when the
    transaction used all its gas and the replay (with the node's gas cap) succeeds, '' when the
    replay finds no reason.
    """
    if tx is None:
        raw = client.request("eth_getTransactionByHash", ["0x" + tx_hash.hex()])
        if raw is None:
            return ""
        to = bytes.fromhex(raw["to"][2:]) if raw.get("to") else None
        data = bytes.fromhex(raw.get("input", "0x")[2:])
        value = int(raw.get("value", "0x0"), 16)
        gas_limit = int(raw.get("gas", "0x0"), 16)
    else:
        to, data, value, gas_limit = tx.to, tx.data, tx.value, tx.gas_limit
    try:
        if to is None:
            client.estimate_gas(None, data, sender=sender, value=value)
        else:
            client.call(to, data, block=receipt.block_number, sender=sender, value=value)
    except L1RpcError as exc:
        return exc.reason or exc.message
    return "out of gas" if receipt.gas_used >= gas_limit else ""


def _bump(fee: int) -> int:
    return -(-fee * BUMP_NUMERATOR // BUMP_DENOMINATOR)


def _is_nonce_too_low(exc: L1RpcError) -> bool:
    message = exc.message.lower().replace("_", " ")
    return any(marker in message for marker in _NONCE_TOO_LOW)


def _is_already_known(exc: L1RpcError) -> bool:
    message = exc.message.lower()
    return any(marker in message for marker in _ALREADY_KNOWN)
