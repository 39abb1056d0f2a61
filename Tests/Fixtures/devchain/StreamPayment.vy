# pragma version 0.4.3
"""
StreamPayment for the test chain: the ABI, storage getter layout, events and revert strings of the contract that
the original node and its requestors use (../shared/reference/stream-payment-abi.md), written in Vyper because
Vyper compiles offline here. Token address(0) is native ETH; any other token is an ERC20.
"""

interface ERC20:
    def transferFrom(sender: address, recipient: address, amount: uint256) -> bool: nonpayable
    def transfer(recipient: address, amount: uint256) -> bool: nonpayable

struct Stream:
    token: address
    sender: address
    recipient: address
    startTime: uint128
    stopTime: uint128
    ratePerSecond: uint128
    deposit: uint256
    withdrawn: uint256
    halted: bool

event StreamCreated:
    streamId: indexed(uint256)
    sender: indexed(address)
    recipient: indexed(address)
    token: address
    deposit: uint256
    ratePerSecond: uint256
    startTime: uint256
    stopTime: uint256

event Withdraw:
    streamId: indexed(uint256)
    recipient: indexed(address)
    amount: uint256

event Terminated:
    streamId: indexed(uint256)
    senderRefund: uint256
    recipientPayout: uint256

event Halted:
    streamId: indexed(uint256)

event ToppedUp:
    streamId: indexed(uint256)
    amount: uint256
    newStopTime: uint128

oracle: public(immutable(address))
nextStreamId: public(uint256)
streams: public(HashMap[uint256, Stream])


@deploy
def __init__(_oracle: address):
    assert _oracle != empty(address), "oracle=0"
    oracle = _oracle


@internal
@view
def _vested(s: Stream) -> uint256:
    start: uint256 = convert(s.startTime, uint256)
    stop: uint256 = convert(s.stopTime, uint256)
    t: uint256 = stop
    if not s.halted:
        t = min(max(block.timestamp, start), stop)
    vested: uint256 = (t - start) * convert(s.ratePerSecond, uint256)
    return min(vested, s.deposit)


@internal
def _pay(token: address, to: address, amount: uint256, eth_message: String[32], token_message: String[32]):
    if amount == 0:
        return
    if token == empty(address):
        ok: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
        assert ok, eth_message
    else:
        assert extcall ERC20(token).transfer(to, amount), token_message


@external
@payable
def createStream(token: address, recipient: address, deposit: uint256, ratePerSecond: uint128) -> uint256:
    assert recipient != empty(address), "recipient=0"
    assert deposit != 0, "deposit=0"
    assert ratePerSecond != 0, "rate=0"
    start: uint256 = block.timestamp
    duration: uint256 = deposit // convert(ratePerSecond, uint256)
    assert duration != 0, "duration=0"
    stop: uint256 = start + duration
    if token == empty(address):
        assert msg.value == deposit, "value != deposit"
    else:
        assert extcall ERC20(token).transferFrom(msg.sender, self, deposit), "transferFrom failed"
    self.nextStreamId += 1
    streamId: uint256 = self.nextStreamId
    self.streams[streamId] = Stream(
        token=token, sender=msg.sender, recipient=recipient, startTime=convert(start, uint128),
        stopTime=convert(stop, uint128), ratePerSecond=ratePerSecond, deposit=deposit, withdrawn=0, halted=False)
    log StreamCreated(streamId=streamId, sender=msg.sender, recipient=recipient, token=token, deposit=deposit,
                      ratePerSecond=convert(ratePerSecond, uint256), startTime=start, stopTime=stop)
    return streamId


@external
def withdraw(streamId: uint256):
    s: Stream = self.streams[streamId]
    assert s.recipient != empty(address), "no-stream"
    assert msg.sender == s.recipient, "not recipient"
    amount: uint256 = self._vested(s) - s.withdrawn
    assert amount != 0, "nothing to withdraw"
    self.streams[streamId].withdrawn = s.withdrawn + amount
    self._pay(s.token, s.recipient, amount, "eth transfer failed", "transfer failed")
    log Withdraw(streamId=streamId, recipient=s.recipient, amount=amount)


@external
def terminate(streamId: uint256):
    s: Stream = self.streams[streamId]
    assert msg.sender == s.sender or msg.sender == s.recipient, "not authorized"
    vested: uint256 = self._vested(s)
    owed: uint256 = vested - s.withdrawn
    refund: uint256 = s.deposit - vested
    self.streams[streamId].recipient = empty(address)
    self._pay(s.token, s.recipient, owed, "eth payout failed", "transfer payout failed")
    self._pay(s.token, s.sender, refund, "eth refund failed", "transfer refund failed")
    log Terminated(streamId=streamId, senderRefund=refund, recipientPayout=owed)


@external
def haltStream(streamId: uint256):
    assert msg.sender == oracle, "not oracle"
    s: Stream = self.streams[streamId]
    assert s.recipient != empty(address), "no-stream"
    if s.halted:
        return
    self.streams[streamId].halted = True
    if block.timestamp < convert(s.stopTime, uint256):
        self.streams[streamId].stopTime = convert(block.timestamp, uint128)
    log Halted(streamId=streamId)


@external
@payable
def topUp(streamId: uint256, amount: uint256):
    s: Stream = self.streams[streamId]
    assert s.recipient != empty(address), "no-stream"
    assert not s.halted, "halted"
    assert msg.sender == s.sender, "not sender"
    assert amount != 0, "amount=0"
    if s.token == empty(address):
        assert msg.value == amount, "value != amount"
    else:
        assert extcall ERC20(s.token).transferFrom(msg.sender, self, amount), "transferFrom failed"
    delta: uint256 = amount // convert(s.ratePerSecond, uint256)
    assert delta != 0, "delta=0"
    new_stop: uint256 = max(convert(s.stopTime, uint256), block.timestamp) + delta
    self.streams[streamId].deposit = s.deposit + amount
    self.streams[streamId].stopTime = convert(new_stop, uint128)
    log ToppedUp(streamId=streamId, amount=amount, newStopTime=convert(new_stop, uint128))
