# pragma version 0.4.3
"""
@title A plain ERC-20 for the tests: the stand-in for SNT
@notice Transfers, allowances, and a mint open to anyone (tests only).
"""

from ethereum.ercs import IERC20

implements: IERC20

name: public(String[32])
symbol: public(String[8])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@deploy
def __init__():
    self.name = "Stake token"
    self.symbol = "STAKE"
    self.decimals = 18


@external
def mint(to: address, amount: uint256):
    """
    @notice Creates `amount` for `to` (a test token: anyone may).
    """
    self.totalSupply += amount
    self.balanceOf[to] += amount
    log IERC20.Transfer(sender=empty(address), receiver=to, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from the caller to `receiver`.
    """
    assert self.balanceOf[msg.sender] >= amount, "token: balance too low"
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[receiver] += amount
    log IERC20.Transfer(sender=msg.sender, receiver=receiver, value=amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Lets `spender` move up to `amount` of the caller's tokens.
    """
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` from `sender` to `receiver` within the caller's allowance.
    """
    assert self.allowance[sender][msg.sender] >= amount, "token: allowance too low"
    assert self.balanceOf[sender] >= amount, "token: balance too low"
    self.allowance[sender][msg.sender] -= amount
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log IERC20.Transfer(sender=sender, receiver=receiver, value=amount)
    return True
