import CLMDB
import MailvaultCore

extension WriteContext {
    /// Removes up to `budget` envelopes whose retention age has passed; returns how many.
    ///
    /// Without tiers the primary order is the deletion order; with tiers each tier's index is
    /// read from its oldest entry. Either way the sweep reads only what it deletes.
    func expire(now: UInt32, budget: Int) throws(StoreError) -> Int {
        if tiers.isEmpty {
            guard now > retention.maximumAge else { return 0 }
            let cutoff = now - retention.maximumAge
            // Every entry before the cutoff goes, in whatever order within a second: read them
            // in index order, hash their records together and delete their entries in one pass.
            var victims: [PrimaryEntry] = []
            var cursor = try primary.entries()
            var entry = try cursor.first()
            while let current = entry, victims.count < budget, current.sent < cutoff {
                victims.append(current)
                entry = try cursor.next()
            }
            try remove(sorted: victims, hashes: try hashes(at: victims.map(\.location)))
            return victims.count
        }
        var victims: [EnvelopeKey] = []
        for tier in 0...tiers.count {
            let age = retention.maximumAge(ofTier: UInt8(tier), sorted: tiers)
            guard now > age, victims.count < budget else { continue }
            let cutoff = now - age
            let cursor = try txn.cursor(dbs.tiers)
            var entry = try cursor.get(MDB_SET_KEY, key: [UInt8(tier)])
            while let current = entry, victims.count < budget {
                let key = EnvelopeKey(raw: current.value)
                guard key.sent < cutoff else { break }
                victims.append(key)
                entry = try cursor.get(MDB_NEXT_DUP)
            }
        }
        for key in victims { try remove(key: key) }
        return victims.count
    }

    /// Removes up to `budget` of the oldest envelopes while the stored bytes exceed the cap.
    func evict(budget: Int) throws(StoreError) -> Int {
        guard let maximum = retention.maximumBytes else { return 0 }
        var removed = 0
        while counters.storedBytes > maximum, removed < budget {
            var cursor = try keyCursor()
            guard let first = try cursor.first() else { break }
            try remove(key: first.key, at: first.location)
            removed += 1
        }
        return removed
    }

    /// Rebuilds the tier index from the records (after the tiers were reconfigured).
    func rebuildTierIndex() throws(StoreError) {
        try txn.clear(dbs.tiers)
        guard !tiers.isEmpty else { return }
        var cursor = try keyCursor()
        var entry = try cursor.first()
        while let current = entry {
            let pow = try withRecord(at: current.location) { (record) throws(StoreError) in try self.pow(of: record) }
            try putDuplicateInOrder(dbs.tiers, key: [retention.tier(forPoW: Double(pow), sorted: tiers)],
                                    value: current.key.bytes)
            entry = try cursor.next()
        }
    }
}
