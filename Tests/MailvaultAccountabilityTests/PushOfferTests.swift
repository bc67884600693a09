import Foundation
import MailvaultAccountability
import MailvaultCore
import Testing

/// The `push` member of the signed descriptor: documents written here by hand, as another
/// implementation would write them, read through `ProviderIdentity` (signature, then the strict
/// parser). Every malformed offer must make the whole descriptor unreadable.
@Suite("push offer in the descriptor")
struct PushOfferTests {
    static let key = try! ProviderKey(secret: Array(repeating: 0x33, count: 32))
    /// A P-256 public key's shape: 0x04 then 64 bytes, unpadded base64url (87 characters).
    static let vapid = "B" + String(repeating: "A", count: 86)

    static let offer = #"{"batchWindow":0,"maximumAge":86400,"maximumAttempts":12,"maximumLifetime":2592000,"maximumPerKey":10,"maximumTopics":100,"platforms":["android","ios"],"price":{"free":true},"targets":["gorush","webPush","webhook"],"vapidPublicKey":"\#(vapid)"}"#

    /// A descriptor as a node before the push offer wrote it, with `push` spliced in when given.
    static func descriptor(push: String?) -> String {
        let publicKey = Hex.encode(key.publicKey, prefix: true)
        let member = push.map { #","push":\#($0)"# } ?? ""
        return #"{"address":"\#(key.address)","coverage":{"from":1700000000,"gaps":[],"maximumAge":2592000,"minimumPoW":2e-06},"endpoints":[],"expires":1700003600,"issuedAt":1700000000,"limits":{"ingestBurst":40,"ingestRate":20,"maximumBatch":1000,"maximumBodyBytes":8388608,"maximumConcurrentQueries":64,"maximumPageSize":1000,"maximumTopics":1000,"queryBurst":400,"queryRate":200},"maximumEnvelopeSize":1048576,"minimumPoW":2e-06,"publicKey":"\#(publicKey)"\#(member),"retention":{"maximumAge":2592000,"tiers":[]},"sequence":7,"software":"mailvault/0.1.0","version":1}"#
    }

    static func identity(_ document: String) throws -> ProviderIdentity {
        try ProviderIdentity(signed: SignedDocument(kind: "descriptor", document: Array(document.utf8), key: key))
    }

    /// `offer` with `field` replaced by `value` (raw JSON), or removed when `value` is nil.
    static func edited(_ field: String, _ value: String?) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(offer.utf8)) as! [String: Any]
        object[field] = value.map { try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func descriptorWithoutPushStillVerifies() throws {
        let identity = try Self.identity(Self.descriptor(push: nil))
        #expect(identity.descriptor.push == nil)
        #expect(identity.descriptor.sequence == 7)
        // And a node without push writes no member at all.
        #expect(!String(decoding: SignedDocument.encode(identity.descriptor), as: UTF8.self).contains("push"))
    }

    @Test func freeOfferIsRead() throws {
        let push = try #require(try Self.identity(Self.descriptor(push: Self.offer)).descriptor.push)
        #expect(push.targets == ["gorush", "webPush", "webhook"] && push.platforms == ["android", "ios"])
        #expect(push.vapidPublicKey == Self.vapid && push.price == .free && push.price.isFree)
        #expect(push.maximumPerKey == 10 && push.maximumTopics == 100 && push.maximumLifetime == 2_592_000)
        #expect(push.batchWindow == 0 && push.maximumAttempts == 12 && push.maximumAge == 86_400)
    }

    @Test func pricedOfferIsReadAndItsMonthlyCostComputed() throws {
        let priced = Self.edited("price", #"{"freeQuota":1000,"perMonth":"10","perThousand":"0.5","unit":"SNT"}"#)
        let push = try #require(try Self.identity(Self.descriptor(push: priced)).descriptor.push)
        #expect(push.price.unit == "SNT" && push.price.perMonth == "10" && push.price.perThousand == "0.5")
        #expect(push.price.freeQuota == 1000 && !push.price.isFree)
        // 10 + 0.5 × (101,000 − 1,000) / 1,000 = 60 SNT.
        #expect(push.price.monthlyCost(notifications: 101_000) == 60)
        #expect(push.price.monthlyCost(notifications: 500) == 10)
        #expect(push.price.description == "10 SNT/month + 0.5 SNT/1000 beyond 1000 a month")
        // Written back, the offer reads the same (the node's own encoding).
        let again = try JSONDecoder().decode(PushOffer.self, from: Data(SignedDocument.encode(push)))
        #expect(again == push)
    }

    @Test func webhookOnlyOfferHasNoPlatforms() throws {
        let offer = Self.edited("targets", #"["webPush","webhook"]"#).replacingOccurrences(of: #""platforms":["android","ios"]"#,
                                                                                           with: #""platforms":[]"#)
        let push = try #require(try Self.identity(Self.descriptor(push: offer)).descriptor.push)
        #expect(push.targets == ["webPush", "webhook"] && push.platforms.isEmpty)
    }

    @Test(arguments: [
        ("unknown field", PushOfferTests.edited("sms", "true")),
        ("unknown price field", PushOfferTests.edited("price", #"{"perMonth":"1","unit":"SNT","discount":"5%"}"#)),
        ("missing field", PushOfferTests.edited("maximumAge", nil)),
        ("free false", PushOfferTests.edited("price", #"{"free":false}"#)),
        ("free with a unit", PushOfferTests.edited("price", #"{"free":true,"unit":"SNT"}"#)),
        ("no amount", PushOfferTests.edited("price", #"{"unit":"SNT"}"#)),
        ("no unit", PushOfferTests.edited("price", #"{"perMonth":"1"}"#)),
        ("negative", PushOfferTests.edited("price", #"{"perMonth":"-1","unit":"SNT"}"#)),
        ("exponent", PushOfferTests.edited("price", #"{"perMonth":"1e3","unit":"SNT"}"#)),
        ("leading zero", PushOfferTests.edited("price", #"{"perMonth":"01","unit":"SNT"}"#)),
        ("zero", PushOfferTests.edited("price", #"{"perMonth":"0.00","unit":"SNT"}"#)),
        ("bare point", PushOfferTests.edited("price", #"{"perMonth":"1.","unit":"SNT"}"#)),
        ("number not string", PushOfferTests.edited("price", #"{"perMonth":10,"unit":"SNT"}"#)),
        ("19 integer digits", PushOfferTests.edited("price", #"{"perMonth":"1000000000000000000","unit":"SNT"}"#)),
        ("oversized amount", PushOfferTests.edited("price", #"{"perMonth":"\#(String(repeating: "9", count: 40))","unit":"SNT"}"#)),
        ("unit with a space", PushOfferTests.edited("price", #"{"perMonth":"1","unit":"S NT"}"#)),
        ("oversized unit", PushOfferTests.edited("price", #"{"perMonth":"1","unit":"\#(String(repeating: "S", count: 17))"}"#)),
        ("quota without per-1000", PushOfferTests.edited("price", #"{"freeQuota":5,"perMonth":"1","unit":"SNT"}"#)),
        ("unknown target", PushOfferTests.edited("targets", #"["sms","webhook"]"#)),
        ("target twice", PushOfferTests.edited("targets", #"["gorush","webhook","webhook"]"#)),
        ("targets unsorted", PushOfferTests.edited("targets", #"["webhook","webPush","gorush"]"#)),
        ("oversized targets", PushOfferTests.edited("targets", "[" + Array(repeating: #""webhook""#, count: 50).joined(separator: ",") + "]")),
        ("no targets", PushOfferTests.edited("targets", "[]")),
        ("platforms without gorush", PushOfferTests.edited("targets", #"["webPush","webhook"]"#)),
        ("gorush without platforms", PushOfferTests.edited("platforms", "[]")),
        ("unknown platform", PushOfferTests.edited("platforms", #"["android","windows"]"#)),
        ("short VAPID key", PushOfferTests.edited("vapidPublicKey", #""BAAA""#)),
        ("VAPID key not base64url", PushOfferTests.edited("vapidPublicKey", "\"B" + String(repeating: "+", count: 86) + "\"")),
        ("batch window over an hour", PushOfferTests.edited("batchWindow", "3601")),
        ("negative batch window", PushOfferTests.edited("batchWindow", "-1")),
        ("too many topics", PushOfferTests.edited("maximumTopics", "1001")),
        ("no registrations per key", PushOfferTests.edited("maximumPerKey", "0")),
        ("fractional attempts", PushOfferTests.edited("maximumAttempts", "1.5")),
        ("lifetime 0", PushOfferTests.edited("maximumLifetime", "0")),
        ("push not an object", "[]"),
    ])
    func malformedOfferMakesTheDescriptorUnreadable(name: String, offer: String) throws {
        #expect(throws: AccountabilityError.self, "\(name)") { try Self.identity(Self.descriptor(push: offer)) }
    }

    @Test func theControlOfTheTableIsRead() throws {
        // The table above edits this offer; unedited it must be read, or the table proves nothing.
        #expect(try Self.identity(Self.descriptor(push: Self.edited("maximumAge", "3600"))).descriptor.push?.maximumAge == 3600)
    }

    @Test func operatorTermsBecomeAPrice() throws {
        #expect(try PushPrice(terms: [], freeQuota: nil) == .free)
        #expect(try PushPrice(terms: ["free"], freeQuota: nil) == .free)
        let monthly = try PushPrice(terms: ["10 SNT/month"], freeQuota: nil)
        #expect(monthly.perMonth == "10" && monthly.perThousand == nil && monthly.unit == "SNT")
        let both = try PushPrice(terms: ["10 SNT/month", "0.5 SNT/1000"], freeQuota: 100_000)
        #expect(both.perThousand == "0.5" && both.freeQuota == 100_000 && both.monthlyCost(notifications: 1_100_000) == 510)
        for (terms, quota) in [(["10 SNT"], nil), (["10 SNT/week"], nil), (["ten SNT/month"], nil), (["1 SNT/month", "1 ETH/1000"], nil),
                               (["1 SNT/month", "2 SNT/month"], nil), (["free"], UInt64(5)), (["1 SNT/month"], UInt64(5)),
                               (["0 SNT/month"], nil)] as [([String], UInt64?)] {
            #expect(throws: AccountabilityError.self, "\(terms)") { try PushPrice(terms: terms, freeQuota: quota) }
        }
    }
}
