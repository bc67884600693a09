/// What a push-notification provider charges, as its descriptor states it: nothing, or an
/// amount a month and/or an amount per 1,000 notifications in one named token unit, with a
/// number of notifications a month that the per-1,000 price does not count.
///
/// Amounts are decimal strings (`"10"`, `"0.5"`), never floats, so that the signed document
/// states exactly what the operator wrote. JSON: `{"free":true}`, or
/// `{"freeQuota":N,"perMonth":"…","perThousand":"…","unit":"…"}` with `unit`, at least one of the
/// two amounts, and `freeQuota` (0 when absent) only beside `perThousand` (Docs/Accountability.md).
public struct PushPrice: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The token the amounts are in (`SNT`); `nil` for a free offer.
    public let unit: String?
    /// Charged each month, whatever the volume.
    public let perMonth: String?
    /// Charged per 1,000 notifications beyond `freeQuota` in a month.
    public let perThousand: String?
    /// Notifications a month the per-1,000 price does not count.
    public let freeQuota: UInt64

    /// The longest unit name: 1 to 16 of `A-Z a-z 0-9 . _ -`.
    public static let maximumUnitLength = 16
    /// The longest amount: up to 18 integer and 18 fraction digits.
    public static let maximumAmountLength = 37
    /// The largest free quota (a trillion notifications a month).
    public static let maximumFreeQuota: UInt64 = 1_000_000_000_000

    /// No charge.
    public static let free = PushPrice(unit: nil, perMonth: nil, perThousand: nil, freeQuota: 0)

    private init(unit: String?, perMonth: String?, perThousand: String?, freeQuota: UInt64) {
        self.unit = unit
        self.perMonth = perMonth
        self.perThousand = perThousand
        self.freeQuota = freeQuota
    }

    /// A priced offer, checked by the rules the descriptor's parser applies.
    public init(unit: String, perMonth: String?, perThousand: String?, freeQuota: UInt64 = 0) throws(AccountabilityError) {
        guard PushPrice.isUnit(unit) else {
            throw .malformedDocument("a price unit is 1 to \(PushPrice.maximumUnitLength) of A-Z a-z 0-9 . _ -, got '\(unit.prefix(40))'")
        }
        for amount in [perMonth, perThousand].compactMap({ $0 }) where !PushPrice.isAmount(amount) {
            throw .malformedDocument("a price is a positive decimal number (up to 18 digits each side of the point), got '\(amount.prefix(40))'")
        }
        guard perMonth != nil || perThousand != nil else {
            throw .malformedDocument("a priced offer states an amount per month, per 1000 notifications, or both")
        }
        guard freeQuota == 0 || perThousand != nil else {
            throw .malformedDocument("a free quota only counts against a price per 1000 notifications")
        }
        guard freeQuota <= PushPrice.maximumFreeQuota else {
            throw .malformedDocument("a free quota is at most \(PushPrice.maximumFreeQuota) notifications a month")
        }
        self.unit = unit
        self.perMonth = perMonth
        self.perThousand = perThousand
        self.freeQuota = freeQuota
    }

    /// The operator's words, as `mailvault serve --push-price` takes them: `free`, or one or two
    /// of `AMOUNT UNIT/month` and `AMOUNT UNIT/1000` in the same unit, with `freeQuota`.
    public init(terms: [String], freeQuota: UInt64?) throws(AccountabilityError) {
        if terms.isEmpty || terms == ["free"] {
            guard freeQuota == nil else { throw .malformedDocument("a free quota needs a price per 1000 notifications") }
            self = .free
            return
        }
        var unit: String?
        var perMonth: String?
        var perThousand: String?
        for term in terms {
            let words = term.split(separator: " ", omittingEmptySubsequences: true)
            let priced = words.count == 2 ? words[1].split(separator: "/", omittingEmptySubsequences: false) : []
            guard priced.count == 2, ["month", "1000"].contains(priced[1]) else {
                throw .malformedDocument("a price is 'free', 'AMOUNT UNIT/month' or 'AMOUNT UNIT/1000', got '\(term.prefix(60))'")
            }
            let name = String(priced[0])
            guard unit == nil || unit == name else { throw .malformedDocument("every price of an offer is in one unit") }
            unit = name
            if priced[1] == "month" {
                guard perMonth == nil else { throw .malformedDocument("two prices per month") }
                perMonth = String(words[0])
            } else {
                guard perThousand == nil else { throw .malformedDocument("two prices per 1000 notifications") }
                perThousand = String(words[0])
            }
        }
        try self.init(unit: unit ?? "", perMonth: perMonth, perThousand: perThousand, freeQuota: freeQuota ?? 0)
    }

    /// Whether nothing is charged.
    public var isFree: Bool { unit == nil }

    /// What `notifications` a month cost, in `unit` (0 when free).
    public func monthlyCost(notifications: UInt64) -> Double {
        let month = perMonth.flatMap(Double.init) ?? 0
        let thousand = perThousand.flatMap(Double.init) ?? 0
        let counted = notifications > freeQuota ? notifications - freeQuota : 0
        return month + thousand * Double(counted) / 1000
    }

    /// `free`, or `10 SNT/month + 0.5 SNT/1000 beyond 1000 a month`.
    public var description: String {
        guard let unit else { return "free" }
        var parts: [String] = []
        if let perMonth { parts.append("\(perMonth) \(unit)/month") }
        if let perThousand {
            parts.append("\(perThousand) \(unit)/1000" + (freeQuota > 0 ? " beyond \(freeQuota) a month" : ""))
        }
        return parts.joined(separator: " + ")
    }

    /// `0` or 1 to 18 digits without a leading zero, then optionally `.` and 1 to 18 digits; not zero.
    static func isAmount(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), text.utf8.count <= maximumAmountLength,
              parts.allSatisfy({ (1...18).contains($0.count) && $0.allSatisfy { (48...57).contains($0) } }) else { return false }
        guard parts[0].count == 1 || parts[0].first != UInt8(ascii: "0") else { return false }
        return text.utf8.contains { (49...57).contains($0) }
    }

    static func isUnit(_ text: String) -> Bool {
        (1...maximumUnitLength).contains(text.utf8.count) && text.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 46 || $0 == 95 || $0 == 45
        }
    }

    private static let freeKeys: Set<String> = ["free"]
    private static let pricedKeys: Set<String> = ["unit", "perMonth", "perThousand", "freeQuota"]

    /// Strict: unknown fields, a `free` that is not `true` or comes with anything else, and
    /// amounts or units outside the rules are refused.
    public init(from decoder: any Decoder) throws {
        let container = try DocumentKey.container(decoder, known: PushPrice.freeKeys.union(PushPrice.pricedKeys), what: "price")
        if container.contains(DocumentKey("free")) {
            guard container.allKeys.count == 1, try container.decode(Bool.self, forKey: DocumentKey("free")) else {
                throw DocumentKey.refuse(decoder, "price: a free offer is exactly {\"free\":true}")
            }
            self = .free
            return
        }
        let unit = try container.decode(String.self, forKey: DocumentKey("unit"))
        let perMonth = try container.decodeIfPresent(String.self, forKey: DocumentKey("perMonth"))
        let perThousand = try container.decodeIfPresent(String.self, forKey: DocumentKey("perThousand"))
        let quota = try container.decodeIfPresent(UInt64.self, forKey: DocumentKey("freeQuota")) ?? 0
        do {
            try self.init(unit: unit, perMonth: perMonth, perThousand: perThousand, freeQuota: quota)
        } catch {
            throw DocumentKey.refuse(decoder, "price: \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DocumentKey.self)
        guard let unit else {
            try container.encode(true, forKey: DocumentKey("free"))
            return
        }
        try container.encode(unit, forKey: DocumentKey("unit"))
        try container.encodeIfPresent(perMonth, forKey: DocumentKey("perMonth"))
        try container.encodeIfPresent(perThousand, forKey: DocumentKey("perThousand"))
        if perThousand != nil { try container.encode(freeQuota, forKey: DocumentKey("freeQuota")) }
    }
}
