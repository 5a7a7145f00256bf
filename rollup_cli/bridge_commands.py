"""User and operator commands that touch L1: deploy, deposit, withdraw (initiate or force, prove,
finalize)."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import orjson
import typer
from rich.console import Console

from l1.contracts.bridge import Bridge, OutputRootProof, Withdrawal
from l1.contracts.erc20 import TestERC20
from l1.contracts.output_oracle import OutputOracle
from l1.deploy import DEFAULT_PROPOSAL_TIMEOUT, Deployment
from l1.rpc import L1Client
from l1.sender import L1Sender, L1TransactionFailed
from rollup.abi import encode_call
from rollup.addresses import L2_BRIDGE
from rollup.crypto import compute_private_key_address, keccak256
from rollup.system.bridge import WITHDRAWAL_INITIATED_TOPIC
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

console = Console()
withdraw_app = typer.Typer(
    help="Withdraw ETH or bridged tokens from L2 to L1: initiate (or force through L1), prove, "
    "finalize.",
    no_args_is_help=True,
)


def fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code=2)


def parse_hex(value: str, size: int, option: str) -> bytes:
    try:
        data = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail(f"{option}: not hex")
    if len(data) != size:
        fail(f"{option}: expected {size} bytes, got {len(data)}")
    return data


def parse_amount(value: str, decimals: int, option: str) -> int:
    """'1.5' whole units -> base units; an integer with 'wei' suffix is taken as base units."""
    try:
        if value.endswith("wei"):
            amount = int(value[:-3])
        else:
            scaled = Decimal(value) * (Decimal(10) ** decimals)
            if scaled != scaled.to_integral_value():
                fail(f"{option}: {value} has more than {decimals} decimals")
            amount = int(scaled)
    except (InvalidOperation, ValueError):
        fail(f"{option}: {value!r} is not an amount (e.g. 1.5 or 1500000000000000000wei)")
    if amount <= 0:
        fail(f"{option}: the amount must be positive")
    return amount


def read_deployment(path: Path) -> Deployment:
    try:
        return Deployment.read(path)
    except FileNotFoundError:
        fail(f"deployment file {path} does not exist")
    except (ValueError, KeyError, TypeError) as exc:
        fail(f"deployment file {path} is invalid: {exc}")
    raise AssertionError


def l2_rpc(url: str, method: str, params: list[Any]) -> Any:
    try:
        body = httpx.post(
            url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
        ).json()
    except httpx.HTTPError as exc:
        fail(f"cannot reach the L2 node at {url}: {exc}")
    if "error" in body:
        fail(f"{method}: {body['error']['message']}")
    return body["result"]


def send_l1(sender: L1Sender, to: bytes, data: bytes, value: int = 0) -> Any:
    try:
        return sender.send_and_wait(to, data, value=value)
    except L1TransactionFailed as exc:
        fail(f"L1 transaction reverted: {exc.reason}")
    except Exception as exc:
        fail(f"L1 transaction failed: {exc}")


L1RpcOption = Annotated[str, typer.Option(help="L1 JSON-RPC URL.")]
DeploymentOption = Annotated[Path, typer.Option(help="The L1 deployment JSON.")]
KeyOption = Annotated[str, typer.Option(help="Private key of the account that pays (hex).")]
L2RpcOption = Annotated[str, typer.Option(help="L2 JSON-RPC URL.")]


def deploy(
    l1_rpc: L1RpcOption,
    out_dir: Annotated[Path, typer.Option(help="Where to write deployment.json and genesis.json.")],
    finalization_period: Annotated[
        int, typer.Option(min=1, max=604_800, help="Challenge window (s).")
    ] = 604_800,
    submission_interval: Annotated[
        int, typer.Option(min=1, max=100_000, help="L2 blocks per output.")
    ] = 10,
    proposal_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=365 * 86_400,
            help="Seconds without an output after which anyone may propose one (default 7 days).",
        ),
    ] = DEFAULT_PROPOSAL_TIMEOUT,
    l1_block_time: Annotated[
        float,
        typer.Option(
            min=0.1,
            max=600,
            help="Seconds between L1 blocks (default 12): the finalization period must outlast "
            "the sequencer window in L1 time.",
        ),
    ] = 12.0,
) -> None:
    """Deploy the rollup's L1 contracts with the devnet keys; write deployment and genesis files."""
    from l1.artifacts import build_artifacts, find_missing_artifacts
    from l1.deploy import deploy_rollup_contracts
    from rollup.genesis import build_genesis, load_default_genesis_document
    from rollup_cli.l1_roles import (
        DEVNET_BOND,
        L1_BATCHER_KEY,
        L1_CHALLENGER_KEY,
        L1_DEPLOYER_KEY,
        L1_PROPOSER_KEY,
        UnsafeFinalizationPeriod,
        check_finalization_period,
        compute_genesis_machine_hash,
        make_devnet_genesis,
    )
    from rollup_cli.startup import StartupFailed, check_l1_chain

    window = build_genesis(load_default_genesis_document()).config.sequencer_window
    try:
        check_finalization_period(finalization_period, window, l1_block_time)
    except UnsafeFinalizationPeriod as exc:
        fail(str(exc))
    client = L1Client(l1_rpc)
    deployment_path, genesis_path = out_dir / "deployment.json", out_dir / "genesis.json"
    if deployment_path.exists() and genesis_path.exists():
        # compose restarts a finished one-shot service on every `up`: deploy only once.
        existing = read_deployment(deployment_path)
        try:
            check_l1_chain(l1_rpc, existing, deployment_path, wait_seconds=0)
        except StartupFailed as exc:
            fail(str(exc))
        check_existing_deployment(client, existing, genesis_path)
        console.print(f"already deployed: {deployment_path} matches the L1")
        return
    if find_missing_artifacts():
        build_artifacts()
    try:
        deployment = deploy_rollup_contracts(
            client,
            L1_DEPLOYER_KEY,
            sequencer_address=compute_private_key_address(L1_BATCHER_KEY),
            proposer_address=compute_private_key_address(L1_PROPOSER_KEY),
            challenger_address=compute_private_key_address(L1_CHALLENGER_KEY),
            submission_interval=submission_interval,
            finalization_period_seconds=finalization_period,
            bond=DEVNET_BOND,
            proposal_timeout=proposal_timeout,
            chain_config=build_genesis(load_default_genesis_document()).config,
            genesis_machine_hash=lambda deployed: compute_genesis_machine_hash(
                make_devnet_genesis(client, deployed)
            ),
        )
    except Exception as exc:
        fail(f"deployment failed: {exc}")
    out_dir.mkdir(parents=True, exist_ok=True)
    deployment.write(out_dir / "deployment.json")
    genesis = make_devnet_genesis(client, deployment)
    (out_dir / "genesis.json").write_bytes(orjson.dumps(genesis, option=orjson.OPT_INDENT_2))
    console.print(
        f"deployed at L1 block {deployment.deploy_block_number}; wrote {out_dir}/deployment.json and genesis.json"
    )


def check_existing_deployment(client: L1Client, deployment: Deployment, genesis_path: Path) -> None:
    """Exit with an error unless the written deployment and genesis belong to this L1."""
    try:
        genesis = orjson.loads(genesis_path.read_bytes())
        origin = client.get_block(int(genesis["l1OriginNumber"]))
        codes = [
            client.get_code(address)
            for address in (deployment.batch_inbox, deployment.output_oracle, deployment.bridge)
        ]
    except Exception as exc:
        fail(f"cannot check the existing deployment against the L1: {exc}")
    if "0x" + origin.hash.hex() != genesis.get("l1OriginHash") or not all(codes):
        fail(
            "the files in the output directory belong to another L1 (it was reset); "
            "remove them (docker compose down -v) to deploy afresh"
        )


def deposit(
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    private_key: KeyOption,
    amount: Annotated[
        str, typer.Option(help="Amount in whole units (1.5) or base units (123wei).")
    ],
    token: Annotated[str | None, typer.Option(help="L1 ERC-20 to deposit (default: ETH).")] = None,
    to: Annotated[str | None, typer.Option(help="L2 recipient (default: the sender).")] = None,
) -> None:
    """Deposit ETH or an L1 ERC-20 into the rollup; it appears on L2 a few L1 blocks later."""
    contracts = read_deployment(deployment)
    key = parse_hex(private_key, 32, "--private-key")
    sender = L1Sender(L1Client(l1_rpc), key)
    recipient = parse_hex(to, 20, "--to") if to else sender.address
    if token is None:
        wei = parse_amount(amount, 18, "--amount")
        receipt = send_l1(sender, contracts.bridge, Bridge.encode_deposit_eth(recipient), value=wei)
        console.print(
            f"deposited {wei} wei to 0x{recipient.hex()} in L1 block {receipt.block_number}"
        )
        return
    l1_token = parse_hex(token, 20, "--token")
    erc20 = TestERC20(sender.client, l1_token)
    units = parse_amount(amount, erc20.decimals(), "--amount")
    if erc20.allowance(sender.address, contracts.bridge) < units:
        send_l1(sender, l1_token, TestERC20.encode_approve(contracts.bridge, units))
    receipt = send_l1(
        sender, contracts.bridge, Bridge.encode_deposit_erc20(l1_token, recipient, units)
    )
    from rollup.deposit import compute_bridged_token_address

    console.print(
        f"deposited {units} of 0x{l1_token.hex()} to 0x{recipient.hex()} in L1 block "
        f"{receipt.block_number}; on L2 it is token 0x{compute_bridged_token_address(l1_token).hex()}"
    )


AmountOption = Annotated[
    str, typer.Option(help="Amount in whole units (0.5) or base units (123wei).")
]
L2TokenOption = Annotated[str | None, typer.Option(help="L2 bridged token (default: ETH).")]
L1RecipientOption = Annotated[str | None, typer.Option(help="L1 recipient (default: the sender).")]


def sign_withdrawal(
    rpc_url: str, key: bytes, amount: str, token: str | None, to: str | None
) -> tuple[bytes, str]:
    """The signed L2 transaction that starts a withdrawal (L2Bridge.withdrawETH or
    withdrawToken), with the sender's next nonce and a fee above the base fee read from
    `rpc_url`: (raw bytes, 0x-hash)."""
    sender = compute_private_key_address(key)
    recipient = parse_hex(to, 20, "--to") if to else sender
    chain_id = int(l2_rpc(rpc_url, "eth_chainId", []), 16)
    if token is None:
        value = parse_amount(amount, 18, "--amount")
        data = encode_call("withdrawETH(address)", recipient)
    else:
        token_address = parse_hex(token, 20, "--token")
        decimals_word = l2_rpc(
            rpc_url,
            "eth_call",
            [{"to": "0x" + token_address.hex(), "data": "0x313ce567"}, "latest"],
        )
        units = parse_amount(amount, int(decimals_word, 16), "--amount")
        value = 0
        data = encode_call(
            "withdrawToken(address,uint256,address)", token_address, units, recipient
        )
    nonce = int(l2_rpc(rpc_url, "eth_getTransactionCount", ["0x" + sender.hex(), "pending"]), 16)
    base_fee = int(l2_rpc(rpc_url, "eth_gasPrice", []), 16)
    tx = Transaction(
        TX_TYPE_DYNAMIC_FEE,
        chain_id,
        nonce,
        10**6,
        base_fee * 2 + 10**6,
        200_000,
        L2_BRIDGE,
        value,
        data,
        (),
    )
    raw = encode_transaction(sign_transaction(tx, key))
    return raw, "0x" + keccak256(raw).hex()


def wait_for_receipt(rpc_url: str, tx_hash: str, seconds: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + seconds
    while True:
        receipt: dict[str, Any] | None = l2_rpc(rpc_url, "eth_getTransactionReceipt", [tx_hash])
        if receipt is not None or time.monotonic() > deadline:
            return receipt
        time.sleep(0.2)


@withdraw_app.command("initiate")
def withdraw_initiate(
    rpc_url: L2RpcOption,
    private_key: KeyOption,
    amount: AmountOption,
    token: L2TokenOption = None,
    to: L1RecipientOption = None,
) -> None:
    """Start a withdrawal on L2 (burns the funds); prints the L2 transaction hash to prove with."""
    key = parse_hex(private_key, 32, "--private-key")
    raw, _ = sign_withdrawal(rpc_url, key, amount, token, to)
    tx_hash = l2_rpc(rpc_url, "eth_sendRawTransaction", ["0x" + raw.hex()])
    receipt = wait_for_receipt(rpc_url, tx_hash, 30)
    if receipt is None or receipt["status"] != "0x1":
        fail(f"the withdrawal transaction {tx_hash} did not succeed: {receipt}")
    console.print(
        f"withdrawal initiated in L2 block {int(receipt['blockNumber'], 16)}: tx {tx_hash}"
    )
    console.print("prove it once an output covering that block is on L1: rollup withdraw prove ...")


@withdraw_app.command("force")
def withdraw_force(
    rpc_url: Annotated[
        str, typer.Option(help="An L2 node that derives from L1 (a verifier's JSON-RPC URL).")
    ],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    private_key: KeyOption,
    amount: AmountOption,
    token: L2TokenOption = None,
    to: L1RecipientOption = None,
    wait: Annotated[
        float,
        typer.Option(min=0, max=86_400, help="Seconds to wait for the L2 node to include it."),
    ] = 0,
) -> None:
    """Start a withdrawal without the sequencer: the signed L2 transaction goes into the Bridge
    queue on L1 (Bridge.forceTransaction). Derivation includes it within the sequencer window
    whether or not the sequencer does; prints the L2 transaction hash to prove with."""
    contracts = read_deployment(deployment)
    key = parse_hex(private_key, 32, "--private-key")
    raw, tx_hash = sign_withdrawal(rpc_url, key, amount, token, to)
    sender = L1Sender(L1Client(l1_rpc), key)
    receipt = send_l1(sender, contracts.bridge, Bridge.encode_force_transaction(raw))
    console.print(f"withdrawal forced through L1 block {receipt.block_number}: L2 tx {tx_hash}")
    if wait:
        included = wait_for_receipt(rpc_url, tx_hash, wait)
        if included is None:
            fail(f"{tx_hash} is not on L2 after {wait:g} s (the window may not have lapsed yet)")
        if included["status"] != "0x1":
            fail(f"the forced withdrawal {tx_hash} failed on L2: {included}")
        console.print(f"included in L2 block {int(included['blockNumber'], 16)}")
    console.print("prove it once an output covering that block is on L1: rollup withdraw prove ...")


def find_withdrawal(rpc_url: str, tx_hash: str) -> tuple[Withdrawal, int]:
    receipt = l2_rpc(rpc_url, "eth_getTransactionReceipt", [tx_hash])
    if receipt is None:
        fail(f"no L2 receipt for {tx_hash}")
    for log in receipt["logs"]:
        if (
            log["address"] == "0x" + L2_BRIDGE.hex()
            and log["topics"][0] == "0x" + WITHDRAWAL_INITIATED_TOPIC.hex()
        ):
            data = bytes.fromhex(log["data"][2:])
            withdrawal = Withdrawal(
                index=int(log["topics"][1], 16),
                sender=bytes.fromhex(log["topics"][2][-40:]),
                l1_recipient=bytes.fromhex(log["topics"][3][-40:]),
                l1_token=data[12:32],
                amount=int.from_bytes(data[32:64], "big"),
            )
            return withdrawal, int(receipt["blockNumber"], 16)
    fail(f"transaction {tx_hash} initiated no withdrawal")
    raise AssertionError


@withdraw_app.command("prove")
def withdraw_prove(
    rpc_url: L2RpcOption,
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    private_key: KeyOption,
    tx_hash: Annotated[str, typer.Option(help="The L2 transaction that initiated the withdrawal.")],
    wait: Annotated[
        float, typer.Option(min=0, max=3600, help="Seconds to wait for a covering output.")
    ] = 120,
) -> None:
    """Prove a withdrawal on L1 against the first output root that covers it."""
    contracts = read_deployment(deployment)
    withdrawal, l2_block = find_withdrawal(rpc_url, tx_hash)
    sender = L1Sender(L1Client(l1_rpc), parse_hex(private_key, 32, "--private-key"))
    oracle = OutputOracle(sender.client, contracts.output_oracle)
    deadline = time.time() + wait
    found: tuple[int, int] | None = None
    while found is None:
        for index in range(oracle.output_count()):
            output = oracle.get_output(index)
            if output.l2_block_number >= l2_block:
                found = (index, output.l2_block_number)
                break
        if found is None:
            if time.time() > deadline:
                fail(f"no output covers L2 block {l2_block} yet; try again later")
            time.sleep(1)
    assert found is not None
    output_index, output_block = found
    proof = l2_rpc(
        rpc_url, "rollup_getWithdrawalProof", ["0x" + withdrawal.hash.hex(), hex(output_block)]
    )
    root_proof = OutputRootProof(
        *(
            bytes.fromhex(proof["outputRootProof"][k][2:])
            for k in ("version", "stateRoot", "withdrawalRoot", "blockHash")
        )
    )
    calldata = Bridge.encode_prove_withdrawal(
        withdrawal, output_index, root_proof, bytes.fromhex(proof["proof"][2:])
    )
    receipt = send_l1(sender, contracts.bridge, calldata)
    period = oracle.finalization_period_seconds()
    console.print(
        f"proven against output {output_index} (L2 block {output_block}) in L1 block {receipt.block_number}; "
        f"finalize after the {period} s challenge window: rollup withdraw finalize ..."
    )


@withdraw_app.command("finalize")
def withdraw_finalize(
    rpc_url: L2RpcOption,
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    private_key: KeyOption,
    tx_hash: Annotated[str, typer.Option(help="The L2 transaction that initiated the withdrawal.")],
) -> None:
    """Release a proven withdrawal on L1 once its output is past the challenge window."""
    contracts = read_deployment(deployment)
    withdrawal, _ = find_withdrawal(rpc_url, tx_hash)
    sender = L1Sender(L1Client(l1_rpc), parse_hex(private_key, 32, "--private-key"))
    receipt = send_l1(sender, contracts.bridge, Bridge.encode_finalize_withdrawal(withdrawal))
    console.print(
        f"finalized: {withdrawal.amount} to 0x{withdrawal.l1_recipient.hex()} in L1 block {receipt.block_number}"
    )


__all__ = ["deploy", "deposit", "withdraw_app"]
