"""The devnet's well-known keys: the same mnemonic and accounts anvil prints, so tools agree."""

from __future__ import annotations

from eth_account import Account

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNT_COUNT = 10
ORACLE_ACCOUNT_INDEX = 9
LIQUIDITY_ACCOUNT_INDEX = 8


def derive_dev_keys(count: int = DEV_ACCOUNT_COUNT) -> list[tuple[str, bytes]]:
    """(checksummed address, private key) of the first `count` accounts of the dev mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    keys = []
    for index in range(count):
        account = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        keys.append((account.address, bytes(account.key)))
    return keys
