# pragma version 0.4.3
"""
@title Mailvault provider registry: stakes, subscriptions, slashing by omission evidence
@notice A provider's secp256k1 key (the one that signs its receipts) is registered with its
        endpoint and descriptor digest and a stake in an ERC-20 token (SNT on mainnet). Users
        pay a provider per period for a client key. Anyone holding evidence that the provider
        withheld an envelope from a signed page (Docs/Accountability.md) submits it to
        `slash`, which has OmissionVerifier decide it on chain: the reporter gets a share of
        the penalty and the rest is locked for good. Two contracts because the evidence check
        alone is near the 24 KiB code limit. Docs/Incentives.md explains the
        numbers and the attacks.
"""

from ethereum.ercs import IERC20

import omission_evidence
import receipt_document
import waku_envelope

interface OmissionVerifier:
    def check(provider: address, receipt: receipt_document.Receipt, signature: omission_evidence.Signature,
              path: DynArray[bytes32, omission_evidence.MAX_PATH], path_left: uint256,
              keys: Bytes[receipt_document.KEYS_BYTES], envelope: Bytes[waku_envelope.MAX_ENVELOPE],
              grace: uint256) -> (bytes32, bytes32): view


MAX_ENDPOINT: constant(uint256) = 128
BPS: constant(uint256) = 10000
# The registration digest follows the digest rule of Docs/Accountability.md with its own kind:
# keccak256("mailvault/v1/registration" ++ 0x00 ++ abi_encode(chain id, registry, provider,
# operator, keccak256(endpoint), descriptor, deadline)).
REGISTRATION_DOMAIN: constant(Bytes[26]) = b"mailvault/v1/registration\x00"


struct Provider:
    # Who manages the registration: named in the provider key's signed authorisation.
    operator: address
    stake: uint256
    # keccak256 of its signed descriptor, which lists its endpoints (and so vouches for the
    # endpoint in the events, which is not kept in storage: 22,100 gas a word).
    descriptor: bytes32
    # When the operator asked to leave (0 while bonded).
    unbonding_since: uint256
    # Subscription price per period, in tokens (0: not selling subscriptions).
    price: uint256
    # Subscription payments not yet withdrawn.
    earned: uint256


event Registered:
    provider: indexed(address)
    operator: indexed(address)
    endpoint: String[MAX_ENDPOINT]
    descriptor: bytes32
    stake: uint256


event Updated:
    provider: indexed(address)
    endpoint: String[MAX_ENDPOINT]
    descriptor: bytes32


event ToppedUp:
    provider: indexed(address)
    amount: uint256
    stake: uint256


event Unbonding:
    provider: indexed(address)
    withdrawable_at: uint256


event Withdrawn:
    provider: indexed(address)
    amount: uint256


event PriceSet:
    provider: indexed(address)
    price: uint256


event Paid:
    user: indexed(address)
    provider: indexed(address)
    payer: address
    periods: uint256
    paid_until: uint256


event EarningsWithdrawn:
    provider: indexed(address)
    amount: uint256


event Committed:
    commitment: indexed(bytes32)


event Slashed:
    provider: indexed(address)
    reporter: indexed(address)
    envelope: bytes32
    receipt: bytes32
    penalty: uint256
    reward: uint256


token: public(immutable(IERC20))
# The contract that decides evidence (OmissionVerifier.vy).
verifier: public(immutable(OmissionVerifier))
minimum_stake: public(immutable(uint256))
# Taken from the stake for each proven omission (or all that is left).
penalty: public(immutable(uint256))
# The reporter's share of a penalty, in basis points; the rest is locked in this contract.
reporter_share_bps: public(immutable(uint256))
# Evidence is accepted until this long after the receipt's serverTime.
evidence_window: public(immutable(uint256))
# A provider can withdraw this long after asking to leave; longer than the evidence window.
unbonding_delay: public(immutable(uint256))
# An envelope sent less than this before the answer proves nothing (it may not have arrived).
answer_grace: public(immutable(uint256))
# The length of a subscription period, in seconds.
period: public(immutable(uint256))

providers: public(HashMap[address, Provider])
# paid_until(user's client key, provider): the end of the user's paid time with the provider.
paid_until: public(HashMap[address, HashMap[address, uint256]])
# slashed(provider, envelope hash): each withheld envelope costs a provider once.
slashed: public(HashMap[address, HashMap[bytes32, bool]])
# A reporter's commitment to evidence, by hash, and the block it was made in.
commitments: public(HashMap[bytes32, uint256])
# Penalties not paid to reporters: held here for good, like a burn.
locked: public(uint256)


@deploy
def __init__(stake_token: IERC20, evidence_verifier: OmissionVerifier, minimum: uint256, penalty_amount: uint256, reporter_bps: uint256,
             window: uint256, delay: uint256, grace: uint256, period_length: uint256):
    """
    @param stake_token The ERC-20 staked and paid in.
    @param evidence_verifier The OmissionVerifier that decides evidence.
    @param minimum The smallest stake a registration needs.
    @param penalty_amount What each proven omission takes from the stake.
    @param reporter_bps The reporter's share of a penalty, in basis points.
    @param window How long after a receipt's serverTime its evidence is accepted.
    @param delay How long after unbonding a stake can be withdrawn; must exceed `window`.
    @param grace How long before the answer an envelope must have been sent to count.
    @param period_length The length of a subscription period.
    """
    assert minimum > 0, "registry: the minimum stake is above 0"
    assert penalty_amount > 0, "registry: the penalty is above 0"
    assert reporter_bps <= BPS, "registry: the reporter's share is at most 100%"
    assert delay > window, "registry: unbonding must outlast the evidence window"
    assert period_length > 0, "registry: a period is longer than 0"
    token = stake_token
    verifier = evidence_verifier
    minimum_stake = minimum
    penalty = penalty_amount
    reporter_share_bps = reporter_bps
    evidence_window = window
    unbonding_delay = delay
    answer_grace = grace
    period = period_length


@internal
@view
def _registration_digest(provider: address, operator: address, endpoint: String[MAX_ENDPOINT],
                         descriptor: bytes32, deadline: uint256) -> bytes32:
    return keccak256(concat(REGISTRATION_DOMAIN, abi_encode(chain.id, self, provider, operator,
                                                            keccak256(endpoint), descriptor, deadline)))


@external
@view
def registration_digest(provider: address, operator: address, endpoint: String[MAX_ENDPOINT],
                        descriptor: bytes32, deadline: uint256) -> bytes32:
    """
    @notice What the provider key signs to let `operator` register it.
    """
    return self._registration_digest(provider, operator, endpoint, descriptor, deadline)


@internal
def _take(payer: address, amount: uint256):
    assert extcall token.transferFrom(payer, self, amount, default_return_value=True), "token: transfer refused"


@internal
def _give(to: address, amount: uint256):
    assert extcall token.transfer(to, amount, default_return_value=True), "token: transfer refused"


@internal
@view
def _operated(provider: address) -> Provider:
    record: Provider = self.providers[provider]
    assert record.operator != empty(address), "registry: the provider is not registered"
    assert record.operator == msg.sender, "registry: only the provider's operator may do this"
    return record


@external
def register(provider: address, endpoint: String[MAX_ENDPOINT], descriptor: bytes32, amount: uint256,
             deadline: uint256, signature: omission_evidence.Signature):
    """
    @notice Registers `provider` with a stake of `amount`, paid by the caller, who becomes its
            operator.
    @param provider The provider key's address (the signer of its receipts).
    @param endpoint The provider's URL, published in the `Registered` event.
    @param descriptor keccak256 digest of its signed descriptor.
    @param amount The stake, at least `minimum_stake`; the caller must have approved it.
    @param deadline The authorisation is void after this time.
    @param signature The provider key's signature over `registration_digest(provider,
           msg.sender, endpoint, descriptor, deadline)` (r, s, v with v = 0 or 1).
    """
    assert self.providers[provider].operator == empty(address), "registry: the provider is already registered"
    assert amount >= minimum_stake, "registry: the stake is below the minimum"
    assert block.timestamp <= deadline, "registry: the authorisation has expired"
    digest: bytes32 = self._registration_digest(provider, msg.sender, endpoint, descriptor, deadline)
    assert omission_evidence.signer(digest, signature) == provider, "registry: the provider key did not authorise this"
    # Field by field: the zero fields of a new record are zero already.
    self.providers[provider].operator = msg.sender
    self.providers[provider].stake = amount
    self.providers[provider].descriptor = descriptor
    self._take(msg.sender, amount)
    log Registered(provider=provider, operator=msg.sender, endpoint=endpoint, descriptor=descriptor, stake=amount)


@external
def update(provider: address, endpoint: String[MAX_ENDPOINT], descriptor: bytes32):
    """
    @notice Changes a provider's endpoint and descriptor digest.
    """
    record: Provider = self._operated(provider)
    assert record.unbonding_since == 0, "registry: the provider is unbonding"
    self.providers[provider].descriptor = descriptor
    log Updated(provider=provider, endpoint=endpoint, descriptor=descriptor)


@external
def top_up(provider: address, amount: uint256):
    """
    @notice Adds `amount` (paid by the caller) to a bonded provider's stake.
    """
    stake: uint256 = self.providers[provider].stake
    assert self.providers[provider].operator != empty(address), "registry: the provider is not registered"
    assert self.providers[provider].unbonding_since == 0, "registry: the provider is unbonding"
    assert amount > 0, "registry: nothing to add"
    self.providers[provider].stake = stake + amount
    self._take(msg.sender, amount)
    log ToppedUp(provider=provider, amount=amount, stake=stake + amount)


@external
def unbond(provider: address):
    """
    @notice Starts leaving: no new subscriptions, and the stake can be withdrawn after
            `unbonding_delay`. The stake stays slashable until then.
    """
    record: Provider = self._operated(provider)
    assert record.unbonding_since == 0, "registry: the provider is already unbonding"
    self.providers[provider].unbonding_since = block.timestamp
    log Unbonding(provider=provider, withdrawable_at=block.timestamp + unbonding_delay)


@external
def withdraw(provider: address):
    """
    @notice Pays the operator what is left of the stake and the unwithdrawn earnings, and
            removes the registration.
    """
    record: Provider = self._operated(provider)
    assert record.unbonding_since != 0, "registry: unbond first"
    assert block.timestamp >= record.unbonding_since + unbonding_delay, "registry: the unbonding delay has not passed"
    self.providers[provider] = empty(Provider)
    amount: uint256 = record.stake + record.earned
    if amount > 0:
        self._give(msg.sender, amount)
    log Withdrawn(provider=provider, amount=amount)


@external
@view
def is_active(provider: address) -> bool:
    """
    @notice Whether the provider is registered, bonded and staked at least the minimum.
    """
    record: Provider = self.providers[provider]
    return record.operator != empty(address) and record.unbonding_since == 0 and record.stake >= minimum_stake


@external
def set_price(provider: address, price: uint256):
    """
    @notice Lists (or, with 0, withdraws) a subscription price per period, in tokens.
    """
    self._operated(provider)
    self.providers[provider].price = price
    log PriceSet(provider=provider, price=price)


@external
def pay(provider: address, user: address, periods: uint256):
    """
    @notice Pays for `periods` periods of `user`'s client key with `provider`, from the caller.
            Time already paid and not yet over is extended.
    """
    price: uint256 = self.providers[provider].price
    assert price > 0, "subscriptions: the provider sells no subscriptions"
    assert self.providers[provider].unbonding_since == 0, "subscriptions: the provider is unbonding"
    assert periods > 0, "subscriptions: pay for at least one period"
    amount: uint256 = price * periods
    until: uint256 = max(self.paid_until[user][provider], block.timestamp) + periods * period
    self.paid_until[user][provider] = until
    self.providers[provider].earned += amount
    self._take(msg.sender, amount)
    log Paid(user=user, provider=provider, payer=msg.sender, periods=periods, paid_until=until)


@external
def withdraw_earnings(provider: address):
    """
    @notice Pays the operator the subscription payments received so far.
    """
    record: Provider = self._operated(provider)
    assert record.earned > 0, "subscriptions: nothing earned"
    self.providers[provider].earned = 0
    self._give(msg.sender, record.earned)
    log EarningsWithdrawn(provider=provider, amount=record.earned)


@external
def commit(commitment: bytes32):
    """
    @notice Commits to evidence before revealing it with `slash`, so that whoever copies the
            revealed calldata cannot claim the reward:
            commitment = keccak256(abi_encode(reporter, provider, keccak256(envelope), salt)).
    """
    assert self.commitments[commitment] == 0, "slash: already committed"
    self.commitments[commitment] = block.number
    log Committed(commitment=commitment)


@external
def slash(provider: address, receipt: receipt_document.Receipt, signature: omission_evidence.Signature,
          path: DynArray[bytes32, omission_evidence.MAX_PATH], path_left: uint256,
          keys: Bytes[receipt_document.KEYS_BYTES], envelope: Bytes[waku_envelope.MAX_ENVELOPE],
          reporter: address, salt: bytes32):
    """
    @notice Has the verifier decide evidence that `provider` withheld `envelope` from a signed
            page and, when it holds, takes `penalty` from the stake: `reporter` gets its share,
            the rest is locked.
    @param receipt The signed receipt's fields (the document is written from them and the keys).
    @param signature The provider's signature over the receipt's digest or its batch root.
    @param path The batch path's sibling hashes, from the leaf up (empty for a lone signature).
    @param path_left Bit i set when path[i] is the left sibling.
    @param keys The page's keys, 36 bytes each, in order.
    @param envelope The withheld envelope's RLP.
    @param reporter Who is paid; committed earlier with `salt` through `commit`.
    @param salt The secret of the commitment.
    """
    # The rules about money and time first, so that a late or uncommitted call fails cheaply.
    record: Provider = self.providers[provider]
    assert record.operator != empty(address) and record.stake > 0, "slash: the provider has no stake"
    committed: uint256 = self.commitments[keccak256(abi_encode(reporter, provider, keccak256(envelope), salt))]
    assert committed != 0, "slash: no commitment to this evidence"
    assert committed < block.number, "slash: commit in an earlier block"
    assert block.timestamp <= convert(receipt.server_time, uint256) + evidence_window, \
        "slash: the evidence window has closed"

    digest: bytes32 = empty(bytes32)
    hash: bytes32 = empty(bytes32)
    digest, hash = staticcall verifier.check(provider, receipt, signature, path, path_left, keys, envelope,
                                             answer_grace)

    assert not self.slashed[provider][hash], "slash: this omission was already slashed"
    self.slashed[provider][hash] = True
    taken: uint256 = min(penalty, record.stake)
    reward: uint256 = taken * reporter_share_bps // BPS
    self.providers[provider].stake = record.stake - taken
    self.locked += taken - reward
    if reward > 0:
        self._give(reporter, reward)
    log Slashed(provider=provider, reporter=reporter, envelope=hash, receipt=digest, penalty=taken, reward=reward)
