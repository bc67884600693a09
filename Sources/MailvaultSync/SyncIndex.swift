import MailvaultCore

/// The set a reconciler works over, seen through three range queries. Ranges are half-open,
/// `[lower, upper)` in the order of `SyncItem`, and a bound's id prefix is padded with zeros.
///
/// An implementation should make `summary` cheap (the store sums per-bucket aggregates); the
/// reconciler asks for a summary of every range it compares and of every part it splits into.
public protocol SyncIndex {
    /// Count and hash-sum of the items in [lower, upper).
    func summary(from lower: SyncBound, to upper: SyncBound) throws(SyncError) -> KeySetSummary

    /// The items in [lower, upper) in ascending order, at most `limit` of them (the first ones).
    func items(from lower: SyncBound, to upper: SyncBound, limit: Int) throws(SyncError) -> [SyncItem]

    /// Up to `parts - 1` bounds strictly inside (lower, upper), ascending, that split the range
    /// into parts of about equal item counts: fewer when the range holds few items, but at
    /// least one whenever it holds two items or more. A bound may have an empty id prefix
    /// (a time-bucket edge); each must have an item at or above it inside the range.
    func split(from lower: SyncBound, to upper: SyncBound, parts: Int) throws(SyncError) -> [SyncBound]
}
