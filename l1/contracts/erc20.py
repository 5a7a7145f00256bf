"""TestERC20 bindings: the devnet's open-mint ERC-20 (and any ERC-20's standard calls)."""

from __future__ import annotations

from l1.contracts.abi import Contract, function
from l1.revert import register_errors
from l1.rpc import BlockId

MINT = function("mint", ["address", "uint256"])
APPROVE = function("approve", ["address", "uint256"], ["bool"])
TRANSFER = function("transfer", ["address", "uint256"], ["bool"])
BALANCE_OF = function("balanceOf", ["address"], ["uint256"])
ALLOWANCE = function("allowance", ["address", "address"], ["uint256"])
NAME = function("name", returns=["string"])
SYMBOL = function("symbol", returns=["string"])
DECIMALS = function("decimals", returns=["uint8"])

TEST_ERC20_ERRORS = ("InsufficientBalance()", "InsufficientAllowance()")

register_errors(TEST_ERC20_ERRORS)


class TestERC20(Contract):
    __test__ = False  # not a pytest test class despite the name

    @staticmethod
    def encode_mint(to: bytes, amount: int) -> bytes:
        return MINT.encode(to, amount)

    @staticmethod
    def encode_approve(spender: bytes, amount: int) -> bytes:
        return APPROVE.encode(spender, amount)

    @staticmethod
    def encode_transfer(to: bytes, amount: int) -> bytes:
        return TRANSFER.encode(to, amount)

    def balance_of(self, owner: bytes, block: BlockId = "latest") -> int:
        return int(self._view(BALANCE_OF, owner, block=block))

    def allowance(self, owner: bytes, spender: bytes, block: BlockId = "latest") -> int:
        return int(self._view(ALLOWANCE, owner, spender, block=block))

    def name(self) -> str:
        return str(self._view(NAME))

    def symbol(self) -> str:
        return str(self._view(SYMBOL))

    def decimals(self) -> int:
        return int(self._view(DECIMALS))


FUNCTIONS = (MINT, APPROVE, TRANSFER, BALANCE_OF, ALLOWANCE, NAME, SYMBOL, DECIMALS)
EVENTS: tuple[str, ...] = ()
ERRORS = TEST_ERC20_ERRORS
