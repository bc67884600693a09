import Testing

/// What every language's example prints (`Docs/examples/*`, run with 2 cycles): the same calls
/// in the same order give the same lines.
enum ExampleOutput {
    static let expected = [
        "mailvault 1.0.0 (API 1.0)",
        // go-ethereum's public PoW vector (DESIGN.md).
        "decode: expiry=0 ttl=1 nonce=276 data_length=4 pow=19.692307692307693",
        "decode: pow_hash=00e2374c6353c243e4073e209a7f2acb2506522af318b3b78cf9a88310a2a11c",
        "decode non-canonical: MV_ERR_DECODE",
        "verify[0]: MV_OK pow=19.692307692307693",
        "verify[1]: MV_ERR_DECODE pow=0",
        "verify[2]: MV_OK pow=19.692307692307693",
        "bloom: byte0=01 byte32=01 byte63=80",
        "bloom: own topic filter matches another topic: 0",
        "ingest: stored=10 again: 1 1 (1 = duplicate)",
        "page 1: 3 envelopes",
        "page 1: more=1",
        "page 2: 2 envelopes",
        "page 2: more=0",
        "lookup: found, presence=10",
        "stats: envelopes=10 topics=2",
        "sweep: expired=5",
        "close again: MV_ERR_CLOSED",
        "cycles: 2",
    ]

    /// Checks an example's standard output, line by line.
    static func check(_ stdout: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = stdout.split(separator: "\n").map(String.init)
        for line in expected {
            #expect(lines.contains(line), "missing line: \(line)\n\(stdout)", sourceLocation: sourceLocation)
        }
        // The two pages hold topic ca000001's five envelopes, in ascending sent order.
        let sent = lines.filter { $0.hasPrefix("  sent=") }
        #expect(sent.count == 5, sourceLocation: sourceLocation)
        #expect(sent.allSatisfy { $0.contains("topic=ca000001") }, sourceLocation: sourceLocation)
        let times = sent.compactMap { UInt32($0.dropFirst(7).prefix(10)) }
        #expect(times == [1_700_000_001, 1_700_000_003, 1_700_000_005, 1_700_000_007, 1_700_000_009],
                sourceLocation: sourceLocation)
    }
}
