import Foundation
import MailvaultCore

/// Loads `Vectors/discovery_vectors.json`, written by `Scripts/vectors/discovery_vectors.py` with
/// eth-enr, eth-keys, rlp and eth-hash (never with the code under test).
struct DiscoveryVectors: Decodable {
    struct Pair: Decodable {
        let key: String
        let value: String
    }

    struct Record: Decodable {
        let secret: String
        let seq: UInt64
        let pairs: [Pair]
        let allPairs: [Pair]
        let text: String
        let rlp: String
        let nodeID: String
        let compressedKey: String
        let address: String
    }

    struct Tree: Decodable {
        let curatorSecret: String
        let curatorKey: String
        let seq: UInt64
        let links: [String]
        let root: String
        let entries: [String: String]
    }

    struct Example: Decodable {
        let root: String
        let signerKey: String
        let entries: [String: String]
    }

    let records: [Record]
    let treeRecords: [Record]
    let trees: [Tree]
    let eip1459: Example

    static let shared: DiscoveryVectors = {
        let url = Bundle.module.url(forResource: "discovery_vectors", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode(DiscoveryVectors.self, from: Data(contentsOf: url))
    }()
}

func hex(_ text: String) -> [UInt8] {
    try! Hex.decode(text)
}
