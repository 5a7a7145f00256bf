"""The JSON behind the explorer's pages (GET /explorer/api/...): built from the node's JSON-RPC
answers, so the explorer shows exactly what a wallet reads, plus what a wallet would have to work
out itself: calls and events decoded through the system contracts' ABIs, revert reasons, an
account's DeFi positions (lending, liquidity, leverage, perpetuals), and where settlement on L1 stands.

Runs on the event loop, like the JSON-RPC: reads see whole blocks. L1 reads (SettlementView)
block, so the routes run those on a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from node import rpc_format as fmt
from node.explorer.catalogue import Catalogue, read_catalogue
from node.explorer.decoding import decode_call, decode_event, name_contract
from node.rpc_params import RpcError
from node.storage import StoredTransaction
from rollup import addresses
from rollup.abi import compute_event_topic, compute_selector, decode_revert_reason
from rollup.block import Header
from rollup.deposit import DEPOSIT_TX_TYPE
from rollup.execution import InvalidBlockTransaction, execute_call, process_transaction
from rollup.state import Overlay
from rollup.transaction import decode_transaction

if TYPE_CHECKING:
    from node.rpc import RpcHandler

LATEST_BLOCKS = 12
LATEST_TRANSACTIONS = 12
ACCOUNT_TRANSACTIONS = 25
"""Transactions an account sent that its page lists, newest first."""
ACCOUNT_EVENTS = 25
"""Withdrawals and leverage events shown per account, newest first."""

WITHDRAWAL_INITIATED = compute_event_topic(
    "WithdrawalInitiated(uint256,address,address,address,uint256,bytes32)"
)
LEVERAGE_OPENED = compute_event_topic(
    "LeverageOpened(address,address,address,uint256,uint256,uint256)"
)
LEVERAGE_CLOSED = compute_event_topic(
    "LeverageClosed(address,address,address,uint256,uint256,uint256)"
)
PERPS_MARGIN_DEPOSITED = compute_event_topic("MarginDeposited(address,address,uint256)")
PERPS_MARGIN_WITHDRAWN = compute_event_topic("MarginWithdrawn(address,address,uint256)")
PERPS_POSITION_MODIFIED = compute_event_topic(
    "PositionModified(address,address,int256,int256,uint256,uint256,int256)"
)
PERPS_POSITION_LIQUIDATED = compute_event_topic(
    "PositionLiquidated(address,address,address,int256,uint256,uint256,uint256,uint256,uint256)"
)
PERPS_POSITION_TYPES = ["int256", "uint256", "uint256", "int256", "int256", "uint256", "uint256"]
WAD = 10**18
UINT256_MAX = 2**256 - 1


class NotFound(Exception):
    """What a page asks for does not exist (the route answers 404 with this message)."""


def hex_of(value: bytes) -> str:
    return "0x" + value.hex()


def address_topic(address: bytes) -> bytes:
    return bytes(12) + address


def parse_address(text: str) -> bytes:
    value = text.lower().removeprefix("0x")
    if len(value) != 40:
        raise NotFound(f"{text!r} is not a 20-byte address")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise NotFound(f"{text!r} is not a 20-byte address") from None


def parse_hash(text: str) -> bytes:
    value = text.lower().removeprefix("0x")
    if len(value) != 64:
        raise NotFound(f"{text!r} is not a 32-byte hash")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise NotFound(f"{text!r} is not a 32-byte hash") from None


class ExplorerApi:
    def __init__(self, handler: RpcHandler) -> None:
        self.handler = handler
        self.node = handler.node
        self.catalogue: Catalogue | None = None

    # Reading through the JSON-RPC and the system contracts' views ---------------------------

    def rpc(self, method: str, *params: Any) -> Any:
        return self.handler.methods[method](list(params))

    def view(
        self, to: bytes, signature: str, types: list[str], args: list[Any], out: list[str]
    ) -> tuple[Any, ...]:
        """A system contract's view at the head, decoded."""
        data = compute_selector(signature) + abi_encode(types, args)
        output, _gas, _data = self.handler.run_call({"to": hex_of(to), "data": hex_of(data)}, None)
        return abi_decode(out, output)

    def get_catalogue(self) -> Catalogue:
        head = self.node.head.number
        if self.catalogue is None or self.catalogue.head != head:
            self.catalogue = read_catalogue(self.node.state, head)
        return self.catalogue

    def token_set(self) -> frozenset[bytes]:
        return frozenset(self.get_catalogue().tokens)

    def describe_token(self, token: bytes) -> dict[str, Any]:
        (symbol,) = self.view(token, "symbol()", [], [], ["string"])
        (decimals,) = self.view(token, "decimals()", [], [], ["uint8"])
        return {"address": hex_of(token), "symbol": symbol, "decimals": int(decimals)}

    # Pages -------------------------------------------------------------------------------

    def get_overview(self) -> dict[str, Any]:
        """The front page: the heads, the newest blocks and the newest transactions."""
        status = self.rpc("rollup_syncStatus")
        head = self.node.head.number
        blocks = []
        for number in range(head, max(head - LATEST_BLOCKS, -1), -1):
            block = self.rpc("eth_getBlockByNumber", hex(number), False)
            blocks.append(summarize_block(block))
        transactions = self.summarize_stored(
            self.node.storage.get_latest_transactions(LATEST_TRANSACTIONS)
        )
        return {
            "chainId": int(self.rpc("eth_chainId"), 16),
            "role": status["role"],
            "heads": {
                name: status[key]["number"]
                for name, key in (
                    ("unsafe", "unsafe_l2"),
                    ("safe", "safe_l2"),
                    ("finalized", "finalized_l2"),
                )
            },
            "l1Head": status["head_l1"]["number"] if status.get("head_l1") else None,
            "blocks": blocks,
            "transactions": transactions,
        }

    def summarize_stored(self, stored: list[StoredTransaction]) -> list[dict[str, Any]]:
        """One line per transaction, formatted as eth_getTransactionByHash answers."""
        headers: dict[int, Header] = {}
        lines = []
        for entry in stored:
            if entry.block_number not in headers:
                headers[entry.block_number] = self.node.get_stored_header(entry.block_number)
            header = headers[entry.block_number]
            tx = fmt.format_any_transaction(
                entry.raw,
                entry.sender,
                entry.hash,
                header.hash,
                entry.block_number,
                entry.tx_index,
                header.base_fee,
                header.timestamp,
            )
            lines.append(self.summarize_transaction(tx))
        return lines

    def summarize_transaction(self, tx: dict[str, Any]) -> dict[str, Any]:
        to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else None
        decoded = decode_call(to, bytes.fromhex(tx["input"][2:]), self.token_set())
        return {
            "hash": tx["hash"],
            "blockNumber": int(tx["blockNumber"], 16) if tx.get("blockNumber") else None,
            "from": tx["from"],
            "to": tx.get("to"),
            "value": str(int(tx["value"], 16)),
            "method": decoded["function"] if decoded else None,
            "contract": name_contract(to) if decoded and to is not None else None,
            "type": int(tx["type"], 16),
        }

    def get_block(self, ident: str) -> dict[str, Any]:
        text = ident.strip().lower()
        if text.startswith("0x") and len(text) == 66:
            block = self.rpc("eth_getBlockByHash", text, True)
        else:
            try:
                number = int(text, 0)
            except ValueError:
                raise NotFound(f"{ident!r} is neither a block number nor a block hash") from None
            if number < 0:
                raise NotFound(f"block {number} does not exist")
            block = self.rpc("eth_getBlockByNumber", hex(number), True)
        if block is None:
            raise NotFound(f"block {ident} not found")
        number = int(block["number"], 16)
        return {
            **summarize_block(block),
            "parentHash": block["parentHash"],
            "stateRoot": block["stateRoot"],
            "baseFeePerGas": str(int(block["baseFeePerGas"], 16)),
            "gasLimit": int(block["gasLimit"], 16),
            "finality": self.describe_finality(number),
            "l1Origin": self.node.get_l1_origin(number),
            "transactions": [self.summarize_transaction(tx) for tx in block["transactions"]],
        }

    def describe_finality(self, number: int) -> str:
        if number <= self.node.finalized_number:
            return "finalized"
        if number <= self.node.safe_number:
            return "safe"
        return "unsafe"

    def get_transaction(self, tx_hash_text: str) -> dict[str, Any]:
        tx_hash = parse_hash(tx_hash_text)
        tx = self.rpc("eth_getTransactionByHash", hex_of(tx_hash))
        if tx is None:
            raise NotFound(f"transaction {hex_of(tx_hash)} not found")
        tokens = self.token_set()
        to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else None
        page: dict[str, Any] = {
            "transaction": tx,
            "call": decode_call(to, bytes.fromhex(tx["input"][2:]), tokens),
            "toName": name_contract(to) if to is not None and self.is_system(to, tokens) else None,
        }
        receipt = self.rpc("eth_getTransactionReceipt", hex_of(tx_hash))
        if receipt is None:
            return page | {"status": "pending", "receipt": None, "events": []}
        number = int(receipt["blockNumber"], 16)
        succeeded = receipt["status"] == "0x1"
        page |= {
            "status": "success" if succeeded else "reverted",
            "finality": self.describe_finality(number),
            "receipt": receipt,
            "events": [
                {
                    "address": log["address"],
                    "logIndex": int(log["logIndex"], 16),
                    "decoded": decode_event(
                        bytes.fromhex(log["address"][2:]),
                        [bytes.fromhex(topic[2:]) for topic in log["topics"]],
                        bytes.fromhex(log["data"][2:]),
                        tokens,
                    ),
                    "topics": log["topics"],
                    "data": log["data"],
                }
                for log in receipt["logs"]
            ],
        }
        if not succeeded:
            page["revertReason"] = self.replay_revert_reason(tx_hash, number)
        return page

    @staticmethod
    def is_system(address: bytes, tokens: frozenset[bytes]) -> bool:
        return address in addresses.NAMED_SYSTEM_CONTRACTS or address in tokens

    def replay_revert_reason(self, tx_hash: bytes, number: int) -> str:
        """Why an included transaction reverted: receipts keep no output, so its block is replayed
        on the state of the block before, up to it (deposits and forced transactions before it
        are left out, so in a block with those the reason is the one it would have had without
        them). Only blocks with recent state can be replayed (node.recent_state)."""
        try:
            parent_state, _env = self.handler.read_state_at(hex(number - 1))
        except RpcError as exc:
            return f"unavailable: {exc}"
        header = self.node.get_stored_header(number)
        environment = self.node.get_block_environment(number)
        state = Overlay(parent_state)
        for hash_, sender, raw in self.node.storage.get_block_transactions(number):
            if raw[0] == DEPOSIT_TX_TYPE:
                continue
            tx = decode_transaction(raw)
            if hash_ == tx_hash:
                assert tx.to is not None
                result = execute_call(Overlay(state), environment, sender, tx.to, tx.value, tx.data)
                reason = decode_revert_reason(result.output) if not result.success else ""
                return reason or "reverted without a reason (out of gas, or a bare revert)"
            try:
                process_transaction(
                    state, environment, self.node.config, tx, sender, header.gas_limit
                )
            except InvalidBlockTransaction:
                continue
        return "unavailable: the transaction is not in its block's stored transactions"

    def get_account(self, address_text: str) -> dict[str, Any]:
        account = parse_address(address_text)
        catalogue = self.get_catalogue()
        tokens = []
        for token in catalogue.tokens:
            (balance,) = self.view(token, "balanceOf(address)", ["address"], [account], ["uint256"])
            tokens.append(self.describe_token(token) | {"balance": str(balance)})
        return {
            "address": hex_of(account),
            "name": name_contract(account)
            if self.is_system(account, frozenset(catalogue.tokens))
            else None,
            "balance": str(int(self.rpc("eth_getBalance", hex_of(account), "latest"), 16)),
            "nonce": int(self.rpc("eth_getTransactionCount", hex_of(account), "latest"), 16),
            "tokens": tokens,
            "transactions": self.summarize_stored(
                self.node.storage.get_latest_transactions(ACCOUNT_TRANSACTIONS, account)
            ),
            "lending": self.read_lending(account, catalogue),
            "liquidity": self.read_liquidity(account, catalogue),
            "leverageEvents": self.read_account_logs(
                addresses.LEVERAGE, [[LEVERAGE_OPENED, LEVERAGE_CLOSED], [address_topic(account)]]
            ),
            "perps": self.read_perps(account, catalogue),
            "perpsEvents": self.read_perps_events(account),
            "withdrawals": self.read_withdrawals(account),
        }

    def read_lending(self, account: bytes, catalogue: Catalogue) -> dict[str, Any]:
        collateral, debt, borrow_limit, liquidation_limit, health = self.view(
            addresses.LENDING, "getAccountData(address)", ["address"], [account], ["uint256"] * 5
        )
        positions = []
        for asset in catalogue.markets:
            supplied, borrowed = self.view(
                addresses.LENDING,
                "getPosition(address,address)",
                ["address", "address"],
                [account, asset],
                ["uint256", "uint256"],
            )
            if supplied or borrowed:
                positions.append(
                    self.describe_token(asset)
                    | {"supplied": str(supplied), "borrowed": str(borrowed)}
                )
        equity = collateral - debt
        return {
            "collateralValue": str(collateral),
            "debtValue": str(debt),
            "borrowLimit": str(borrow_limit),
            "liquidationLimit": str(liquidation_limit),
            "healthFactor": str(health),
            # Leverage: collateral over equity (WAD); 1x without debt, none once debt >= collateral.
            "leverage": str(collateral * WAD // equity) if debt and equity > 0 else None,
            "positions": positions,
        }

    def read_perps(self, account: bytes, catalogue: Catalogue) -> list[dict[str, Any]]:
        """The account's position in each perps market where it has one (or margin), as
        IPerps.getPosition values it at the head's index price (docs/PERPETUALS.md §4-§5)."""
        positions = []
        for asset in catalogue.perps_markets:
            try:
                size, entry, margin, pnl, funding, bad_debt, liquidation, health = self.view(
                    addresses.PERPS,
                    "getPosition(address,address)",
                    ["address", "address"],
                    [account, asset],
                    [*PERPS_POSITION_TYPES, "uint256"],
                )
            except RpcError:  # no price for the asset: nothing to value the position at
                continue
            if not size and not margin:
                continue
            equity = margin + pnl + funding - bad_debt
            (index_price, _updated, _volatility) = self.view(
                addresses.ORACLE,
                "getPrice(address)",
                ["address"],
                [asset],
                ["uint256", "uint256", "uint256"],
            )
            notional = abs(size) * index_price // WAD
            positions.append(
                self.describe_token(asset)
                | {
                    "side": "long" if size > 0 else "short" if size < 0 else "none",
                    "size": str(size),
                    "entryPrice": str(entry),
                    "indexPrice": str(index_price),
                    "margin": str(margin),
                    "pnl": str(pnl),
                    "funding": str(funding),
                    "badDebt": str(bad_debt),
                    "equity": str(equity),
                    "liquidationPrice": str(liquidation) if size else None,
                    "health": str(health) if health != UINT256_MAX else None,
                    # Notional over equity (WAD); none without a position or equity.
                    "leverage": str(notional * WAD // equity) if size and equity > 0 else None,
                }
            )
        return positions

    def read_perps_events(self, account: bytes) -> list[dict[str, Any]]:
        """The account's newest perps events: its margin moves and trades (account is topic 1)
        and its liquidations (account is topic 2, after the keeper), newest first."""
        own = self.read_account_logs(
            addresses.PERPS,
            [
                [PERPS_MARGIN_DEPOSITED, PERPS_MARGIN_WITHDRAWN, PERPS_POSITION_MODIFIED],
                [address_topic(account)],
            ],
        )
        liquidated = self.read_account_logs(
            addresses.PERPS, [[PERPS_POSITION_LIQUIDATED], [], [address_topic(account)]]
        )
        merged = sorted(own + liquidated, key=lambda event: event["blockNumber"], reverse=True)
        return merged[:ACCOUNT_EVENTS]

    def read_liquidity(self, account: bytes, catalogue: Catalogue) -> list[dict[str, Any]]:
        held = []
        for token0, token1 in catalogue.pools:
            (liquidity,) = self.view(
                addresses.AMM,
                "liquidityOf(address,address,address)",
                ["address", "address", "address"],
                [token0, token1, account],
                ["uint256"],
            )
            if not liquidity:
                continue
            reserve0, reserve1, total = self.view(
                addresses.AMM,
                "getReserves(address,address)",
                ["address", "address"],
                [token0, token1],
                ["uint256"] * 3,
            )
            held.append(
                {
                    "token0": self.describe_token(token0),
                    "token1": self.describe_token(token1),
                    "liquidity": str(liquidity),
                    "totalLiquidity": str(total),
                    "amount0": str(reserve0 * liquidity // total),
                    "amount1": str(reserve1 * liquidity // total),
                }
            )
        return held

    def read_account_logs(self, address: bytes, topics: list[list[bytes]]) -> list[dict[str, Any]]:
        """The newest ACCOUNT_EVENTS logs of `address` matching `topics`, decoded, newest first."""
        head = self.node.head.number
        try:
            found = self.node.storage.get_logs(0, head, [address], topics, max_results=1_000)
        except ValueError:  # too many over the whole chain: the newest blocks are enough
            found = self.node.storage.get_logs(
                max(head - 10_000, 0), head, [address], topics, max_results=100_000
            )
        tokens = self.token_set()
        return [
            {
                "blockNumber": entry.block_number,
                "transactionHash": hex_of(entry.tx_hash),
                "decoded": decode_event(entry.address, list(entry.topics), entry.data, tokens),
            }
            for entry in reversed(found[-ACCOUNT_EVENTS:])
        ]

    def read_withdrawals(self, account: bytes) -> list[dict[str, Any]]:
        withdrawals = []
        for entry in self.read_account_logs(
            addresses.L2_BRIDGE, [[WITHDRAWAL_INITIATED], [], [address_topic(account)]]
        ):
            args = {arg["name"]: arg["value"] for arg in entry["decoded"]["args"]}
            withdrawals.append(
                {
                    "index": int(args["index"]),
                    "blockNumber": entry["blockNumber"],
                    "transactionHash": entry["transactionHash"],
                    "l1Recipient": args["l1Recipient"],
                    "l1Token": args["l1Token"],
                    "amount": args["amount"],
                    "withdrawalHash": args["withdrawalHash"],
                    "l2Finality": self.describe_finality(entry["blockNumber"]),
                    "l1Status": None,  # filled in from L1 by the route, when the node follows L1
                }
            )
        return withdrawals

    def search(self, query: str) -> str:
        """The explorer path a search box entry leads to: a block number, a block or transaction
        hash, or an address. Raises NotFound if it names nothing."""
        text = query.strip()
        lowered = text.lower()
        if lowered.isdigit():
            number = int(lowered)
            if number > self.node.head.number:
                raise NotFound(
                    f"block {number} does not exist yet (the head is {self.node.head.number})"
                )
            return f"block/{number}"
        if lowered.startswith("0x") and len(lowered) == 42:
            return f"address/{hex_of(parse_address(lowered))}"
        if lowered.startswith("0x") and len(lowered) == 66:
            value = parse_hash(lowered)
            if self.rpc("eth_getTransactionByHash", hex_of(value)) is not None:
                return f"tx/{hex_of(value)}"
            if self.rpc("eth_getBlockByHash", hex_of(value), False) is not None:
                return f"block/{hex_of(value)}"
            raise NotFound(f"no transaction or block has hash {hex_of(value)}")
        raise NotFound(f"{text!r} is not a block number, a hash or an address")


def summarize_block(block: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": int(block["number"], 16),
        "hash": block["hash"],
        "timestamp": int(block["timestamp"], 16),
        "transactionCount": len(block["transactions"]),
        "gasUsed": int(block["gasUsed"], 16),
    }
