import CLMDB
import Foundation
import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Packed runs (the topic and hash indexes' delta-coded chunks)")
struct PackedRunsTests {
    /// The entry lists of `Scripts/vectors/make_packed_run_vector.py`.
    static let vectorTopics: [TopicIndexEntry] = {
        var entries: Set<TopicIndexEntry> = [
            TopicIndexEntry(topic: Topic(rawValue: 0), sent: 0, location: Location(block: 0, offset: 0)),
            TopicIndexEntry(topic: Topic(rawValue: .max), sent: .max, location: Location(block: .max, offset: .max)),
        ]
        for i in 0..<UInt64(160) {
            let topic: UInt32 = [0, 1, 0x1234_5678, 0xFFFF_FFFF][Int(i % 4)]
            let block = i % 5 == 0 ? UInt32(truncatingIfNeeded: i * 31337) : UInt32(1000 + i / 3)
            entries.insert(TopicIndexEntry(topic: Topic(rawValue: topic), sent: UInt32(truncatingIfNeeded: i * 7919 * 104_729),
                                           location: Location(block: block, offset: UInt16(truncatingIfNeeded: i * 40503))))
        }
        return entries.sorted()
    }()

    static let vectorHashes: [HashIndexEntry] = {
        let bits = UInt64(HashIndexEntry.bucketBits)
        var entries: Set<HashIndexEntry> = [HashIndexEntry(value: 0), HashIndexEntry(value: 1 << 48 - 1)]
        for i in 0..<UInt64(300) {
            entries.insert(HashIndexEntry(value: ((i * i * 13) % (1 << 22)) << bits | ((i * 2_654_435_761) % (1 << bits))))
        }
        return entries.sorted()
    }()

    static let vectorPrimary: [PrimaryEntry] = {
        var entries: Set<PrimaryEntry> = [
            PrimaryEntry(sent: 0, prefix: 0, location: Location(block: 0, offset: 0)),
            PrimaryEntry(sent: .max, prefix: .max, location: Location(block: .max, offset: .max)),
        ]
        for i in 0..<UInt64(200) {
            entries.insert(PrimaryEntry(sent: 1_700_000_000 + UInt32(i * i * 7 % 5000),
                                        prefix: UInt32(truncatingIfNeeded: i * 2_654_435_761 % (1 << 24)) << 8,
                                        location: Location(block: i % 6 == 0 ? UInt32(truncatingIfNeeded: i * 7919) : UInt32(50 + i / 7),
                                                           offset: UInt16(i % 3 == 0 ? i * 977 % 65536 : i * 100 % 60000))))
        }
        return entries.sorted()
    }()

    /// `python3 Scripts/vectors/make_packed_run_vector.py`: the chunks, in hex.
    static let topicChunks = [
        "0000000000000000000000000000a8fe838a01d8c597048614b088a21ee5b59704232cd886a6a801224658b088a21e39e370a8fe838a015e6984b088a21e3b069cd886a6a801f4f4ca0329c8b088a21e8bf5ca03c6e0d886a6a80124ea0cd886a6a801220d38b088a21e39aa50d886a6a80198b4fe02cd7c",
        "0000000051325414000003ec6a94a8fe838a015cf0a8b088a21e398dc0d886a6a80122b0ecb088a21e394e04d886a6a801bef3b1027130d886a6a801f7f2b102945cb088a21e3b3174d886a6a8012454a0b088a21e3bf1b8a8fe838a015e77ccb088a21e86b2e50114e4d886a6a8019db2e5013810b088a21e39d528",
        "00000000ace969d400000401f854d886a6a801221b80b088a21eacf19801b898d886a6a801c3f19801dbc4b088a21e3978dca8fe838a015efef0b088a21e3b9c08d886a6a80124bf34b088a21ed0b04c5c4cd886a6a801e7b04c7f78d886a6a80122a2a4b088a21e393fbcd886a6a8012262e80191bae5c61f133a3f",
        "000000010c33d10b0000040c5d6bb088a21e39fa83d886a6a801221dafd886a6a8018a85de0340dbb088a21ea185de03ddf3d886a6a80122011fb088a21e399e37a8fe838a015e244bb088a21e3bc163d886a6a801b0c49103e48fb088a21ec7c4910381a7a8fe838a015e07bbb088a21e39a4d3d886a6a80122c7ff",
        "000000015f4a6737000003f36517d886a6a801d483c5028843d886a6a8018f83c502ab6fb088a21e394887d886a6a801226bb3b088a21e3908cba8fe838a015e8edfb088a21e9cc2f8012bf7d886a6a801b3c2f8014f23b088a21e3bec3bd886a6a801240f67d886a6a801223293b088a21ec281ac01cfab",
        "00000001bb017cf700000408f2d7b088a21e398fefa8fe838a015c1603b088a21e39b31bd886a6a80122d647b088a21ee8c05f735fd886a6a801ffc05f968bd886a6a80124b9b7b088a21e3b56cfd886a6a8012479fbb088a21e8c80131713a8fe838a01d8c597049d27edd9a2a30291bae5c61fd5c5aa04747e",
        "12345678054260d6000003f01196d886a6a8012434c2d886a6a801a095f10357eeb088a21eb795f103f506d886a6a801221832b088a21e39b54aa8fe838a015c3b5eb088a21e39d876d886a6a801c6d4a403fba2b088a21eddd4a40398bad886a6a80122bbe6d886a6a80124df12b088a21e3b7c2ad886a6a801ec93d8029f56",
        "1234567862ddb8ae000003e83c6ea8fe838a015ec282b088a21e395f9ad886a6a8012282c6b088a21e391fdea8fe838a015ca5f2b088a21eb4d28b02430ad886a6a801cbd28b026636b088a21e39034ed886a6a80122267ad886a6a8012449a6b088a21ed891bf01e6bed886a6a801ef91bf0109eab088a21e3ba702",
        "12345678bcb08c560000041b2d16b088a21e39ca2ed886a6a80122ed5ab088a21efed0728a72d886a6a80195d172ad9ed886a6a80122d0cab088a21e396de2d886a6a80122910eb088a21ea490262e26a8fe838a01d8c59704b43ab088a21e93d6bd0451528da6dddc1db9b3bf9e1e0e4bd5d886a6a801b8a584046f01",
        "ffffffff135a73f9000003f70c19d886a6a801242f45b088a21e3bcc5da8fe838a015e5271b088a21e39ef89d886a6a801dce4b70312b5b088a21ef3e4b703afcdd886a6a80122d2f9d886a6a80122f625b088a21e39933dd886a6a80182a4eb02b669b088a21e99a4eb025381a8fe838a015ed995b088a21e3b76ad",
        "ffffffff6f1189b90000040d99d9b088a21e3b36f1d886a6a801a8e39e025a1dd886a6a801e1e29e027d49b088a21e391a61d886a6a801223d8db088a21e39daa5a8fe838a015c60b9b088a21ef0a1d201fdd1d886a6a80187a2d20120fdb088a21e39be15a8fe838a015e4429b088a21e3be141d886a6a80124046d",
        "ffffffffc2281fe50010bc5ba185d886a6a801abe18501c4b1d886a6a80122e7ddb088a21e3984f5d886a6a80122a821b088a21ebaa0394539a8fe838a01d8c59704cb4db088a21ea9e6d0046865d886a6a801228b91b088a21e3928a9ecc59a399af0ffff1fffff",
    ]

    static let hashChunks = [
        "000000000000adecbcb704df93c3c80318afecbcb70432df93c3c8034cafecbcb70466df93c3c8038001afecbcb7049a01df93c3c803b401afecbcb704ce01df93c3c803e801df93c3c8038202afecbcb7049c02df93c3c803b602",
        "0027d308a7aedf93c3c803ea02afecbcb7048403df93c3c8039e03afecbcb704b803df93c3c803d203df93c3c803ec03afecbcb7048604df93c3c803a004afecbcb704ba04df93c3c803d404afecbcb704ee04df93c3c8038805",
        "009417d9d5abdf93c3c803bc05df93c3c803d605afecbcb704f005df93c3c8038a06afecbcb704a406df93c3c803be06afecbcb704d806df93c3c803f206afecbcb7048c07df93c3c803a607df93c3c803c007afecbcb704da07",
        "014500ab03a8afecbcb7048e08df93c3c803a808afecbcb704c208df93c3c803dc08afecbcb704f608df93c3c8039009df93c3c803aa09afecbcb704c409df93c3c803de09afecbcb704f809df93c3c803920aafecbcb704ac0a",
        "023a957c31a5afecbcb704e00adf93c3c803fa0adf93c3c803940bafecbcb704ae0bdf93c3c803c80bafecbcb704e20bdf93c3c803fc0bafecbcb704960cdf93c3c803b00cafecbcb704ca0cdf93c3c803e40cdf93c3c803fe0c",
        "0374d24d5fa2df93c3c803b20dafecbcb704cc0ddf93c3c803e60dafecbcb704800edf93c3c8039a0eafecbcb704b40edf93c3c803ce0edf93c3c803e80eafecbcb704820fdf93c3c8039c0fafecbcb704b60fdf93c3c803d00f",
        "04f3b71e8d9fdf93c3c8038410afecbcb7049e10df93c3c803b810afecbcb704d210df93c3c803ec10df93c3c8038611afecbcb704a011df93c3c803ba11afecbcb704d411df93c3c803ee11afecbcb7048812df93c3c803a212",
        "06b743efbb9cdf93c3c803d612df93c3c803f012afecbcb7048a13df93c3c803a413afecbcb704be13df93c3c803d813afecbcb704f213df93c3c8038c14afecbcb704a614df93c3c803c014df93c3c803da14afecbcb704f414",
        "08bf74c0e999afecbcb704a815df93c3c803c215afecbcb704dc15df93c3c803f615afecbcb7049016df93c3c803aa16df93c3c803c416afecbcb704de16df93c3c803f816afecbcb7049217df93c3c803ac17afecbcb704c617",
        "0b0c51921796afecbcb704fa17df93c3c8039418df93c3c803ae18afecbcb704c818df93c3c803e218afecbcb704fc18df93c3c8039619afecbcb704b019df93c3c803ca19afecbcb704e419df93c3c803fe19df93c3c803981a",
        "0d9dd6634593df93c3c803cc1aafecbcb704e61adf93c3c803801bafecbcb7049a1bdf93c3c803b41bafecbcb704ce1bdf93c3c803e81bdf93c3c803821cafecbcb7049c1cdf93c3c803b61cafecbcb704d01cdf93c3c803ea1c",
        "107403347390df93c3c8039e1dafecbcb704b81ddf93c3c803d21ddf93c3c803ec1dafecbcb704861edf93c3c803a01eafecbcb704ba1edf93c3c803d41eafecbcb704ee1edf93c3c803881fafecbcb704a21fdf93c3c803bc1f",
        "138ed405a18dafecbcb704f01fdf93c3c8038a20afecbcb704a420df93c3c803be20afecbcb704d820df93c3c803f220afecbcb7048c21df93c3c803a621afecbcb704c021df93c3c803da21df93c3c803f421afecbcb7048e22",
        "16ee50d6cf8aafecbcb704c222df93c3c803dc22afecbcb704f622df93c3c8039023afecbcb704aa23df93c3c803c423df93c3c803de23afecbcb704f823df93c3c8039224afecbcb704ac24df93c3c803c624afecbcb704e024",
        "1a9275a7fd87afecbcb7049425df93c3c803ae25df93c3c803c825afecbcb704e225df93c3c803fc25afecbcb7049626df93c3c803b026afecbcb704ca26df93c3c803e426afecbcb704fe26df93c3c8039827df93c3c803b227",
        "1e7b42792b84df93c3c803e627afecbcb7048028df93c3c8039a28afecbcb704b428df93c3c803ce28afecbcb704e828df93c3c8038229df93c3c8039c29afecbcb704b629df93c3c803d029afecbcb704ea29df93c3c803842a",
        "22a8b74a5981df93c3c803b82aafecbcb704d22adf93c3c803ec2adf93c3c803862bafecbcb704a02bdf93c3c803ba2bafecbcb704d42bdf93c3c803ee2bafecbcb704882cdf93c3c803a22cafecbcb704bc2cdf93c3c803d62c",
        "271ad01b877eafecbcb7048a2ddf93c3c803a42dafecbcb704be2ddf93c3c803d82dafecbcb704f22ddf93c3c8038c2eafecbcb704a62edf93c3c803c02edf93c3c803da2eafecbcb704f42edf93c3c8038e2fafecbcb704a82f",
        "2bd194ecb57bafecbcb704dc2fdf93c3c803f62fafecbcb7049030df93c3c803aa30df93c3c803c430afecbcb704de30df93c3c803f830afecbcb7049231df93c3c803ac31afecbcb704c631df93c3c803e031afecbcb704fa31",
        "30cd01bde378afecbcb704ae32df93c3c803c832df93c3c803e232afecbcb704fc32df93c3c8039633afecbcb704b033df93c3c803ca33afecbcb704e433df93c3c803fe33afecbcb7049834df93c3c803b234df93c3c803cc34",
        "360d168f1175df93c3c8038035afecbcb7049a35df93c3c803b435afecbcb704ce35df93c3c803e835afecbcb7048236df93c3c8039c36df93c3c803b636afecbcb704d036df93c3c803ea36afecbcb7048437df93c3c8039e37",
        "3b91d3603f72df93c3c803d237afecbcb704ec37df93c3c8038638df93c3c803a038afecbcb704ba38df93c3c803d438afecbcb704ee38df93c3c8038839afecbcb704a239df93c3c803bc39afecbcb704d639df93c3c803f039",
        "415b34316d6fafecbcb704a43adf93c3c803be3aafecbcb704d83adf93c3c803f23aafecbcb7048c3bdf93c3c803a63bafecbcb704c03bdf93c3c803da3bdf93c3c803f43bafecbcb7048e3cdf93c3c803a83cafecbcb704c23c",
        "ffffffffffff",
    ]

    static let primaryChunks = [
        "000000000000000000000000008088bfaa190000000002ab89248001904e1e3779b11b64546ef362644ef4d7ad36cda20342a66d1335f316a201d9d5ab068bce01163c104604d81d12dde6c40990033e63459324ac66422fdcfb05cc5326347390de988b01904b5e156075fb988b01f4036600857ca4ff39fcc9035e306277f5fe39bc8201621f131b07cc6c164cda26aae505e62d8e0162c017bbe505bc37e2018453d711bc0526ce27dce2e59601dca6013e63cb0fade596019c9501a20149d4050bb47416b3ab56c69834969c035278208cdb9834b03b3e494e8904c44506bbcd8815a0063e2f577f0adc2466114f5c03f015124d5fa2d0e53fe2f703",
        "6553f31f27354d0000003f62ed62f3473917d944226b67c516b44202c16f1516b5eb01a2027389f723d7a902b60109b2a61cd868222ac0ea23e80732896fe81aa0517ed2be711ae49601e601010af8f6fe73f893035e5a9de58bff7385fd0262623a9b1dcc0842051c1118e44b6248c90d11d41642a7780b1aebaa03628d81010ba16ab601b430d2e2986e92e6022e527bb3c9986eac7f6699b44cd6cb0bcc5b125f347ad7cb0ba8788e0137ff2d1bd42fc60266d130acb22eb0ee02124de51ea4b34bdec10342c5802eb7e579f86e6e41b1d30eb3d00302eb250727fc2a22d12dfd0b940a46ab03a808a01fbe010dc3bf149fcf0242dae0a30c8362",
        "6553f6089a39c80008b33812c8328042beebcc28fee401a20208a7ae9bff1cf80a2eb01fb922846b62e302d509f44e4284d95309ac3462e388511ce47da201f4523109d1d80342af9a3d0d943ca20240215f11bf72a6026756acc0b268acb8023eb0a5358bb268f49901960180c83af0fe56faae016eb7bc6f9fff569c1806f0411822e0769e01e27d591f842016a2e1760e984342929d121a888b0112779b102dc00c22019074b0ffad01f4dd021e9e4ae1a5ffad01a4266623a9b024c08901525eaefe17b849427083d61a988e01a2016f78de23b83062b4b64ef098a8018eb00252229eb8ef98a801e02b3e7494ef1ccfbd01069abf44e8cb7fc4ef03",
        "6553f8c8df77380000004c47e07eaf14c12fa40db601c4fab21288405245c2ec1ab08601c202ef3620278019124e6a9ae0e5b301da8b030e6bed41bfe5b301a47102c0e99909b9a10266568ccc0ab06d1e1f989710bc9b01563c95c21bc84ca201e68e729cb211b289018201d6cf8a87b211e884010ed1b3791b8439b60119f70af4cb28cac00252bc5304f5cb289035a201bd5dfc22f09201f20192179613985c4e3884a902c45e36814db68eff9001f67802d5c492a1ff900188276e1e082309ec0e4205a18d28d47a6667dc28a0b2a201a882021e412c57a5b2a201b70602ebaa8305ec5936e713eea0b24bae538e0126afd1b7b24bf1fb01",
        "6553fb48def1bc00000043307092022c515e14b89401ae015a18692589b303a201a6f28f02efe003465581d40dd00f22453d701cc057521a7c86f0cb62c68a028202f8e8c6e1cb62d881012e855ecf099c63a2015170bb17cc2162b841eb0e8c4742da5b270187980186029b44c084ccb901c0b9039e018cfb8595ccb901a5a001165e298202c81ace01fcf9df20dc6f629ed05d099455229628af039c4a0296ae2b128c7982010d3e431da3850342fc746308ec40c60189f56418908001722bcbe209c86522e7996aa4b28501aa1d4ef3ccb5b5b28501d50e06125a5418d07312092d2a15e839e201c475360d981182020a382230c89701820391921a25a82d",
        "6553fee088ea6c0000003811305e95a33301ac1b8201740f7312d3f301b601f8634a02e85252de6c400b80323e1e8d9f04dc3d42fbeee70ffc11161b020292cc9c01c2d401ce03d238f5f1cb9c01f467a20127bac904e98f01c601792b840e9099014244b7f429d028a203336898de981798b701a201cd1ce4e8cc0be49202de01c99147b1e522fc5ca2018e067d069d3422c0641d1bbdd702366ffe5a16a85f1223243401d05a22ac0ea00c807d2211d4d813e04412a366f21088729201efbb9c0df0473e51f63702bc5062ca16c316ec8b01362b46661dd8360e5b23611e81c70261390a25cdb901a201c90bcb218c2e22166b6d12d4610240a6db0dbb3c",
        "655402176ae2490000003509c402ec2fff2cdc8801227cb72111a4582633ee14d498519481017ea7fd87bf9851e7f40216e81ee69cb2bf01a6e703b20178a608a9b2bf01a06a7e7d3c9d0a94870126cda260ace55ce0dc01fe0115e5f1c9e55ce4320216f0e922c490012204969529f41c62b8c76720fc75e2017c31a51bb429620e493b229b990206bcd8800b806432d64a0e05f8558201a25bfa17a814423d1b3e26b87b8e0185e44b088c9201465607501dc03e32f7ddce09f823ce039f55d92484840182debfd526ffffffeafeffff1fffff03",
    ]

    @Test("chunks are what the format's independent encoder writes, and decode to the entries")
    func vector() throws {
        for (chunks, expected) in [(PackedRuns.chunks(of: PackedRunsTests.vectorTopics), PackedRunsTests.topicChunks),
                                   (PackedRuns.chunks(of: PackedRunsTests.vectorHashes), PackedRunsTests.hashChunks),
                                   (PackedRuns.chunks(of: PackedRunsTests.vectorPrimary), PackedRunsTests.primaryChunks)] {
            #expect(chunks.map { $0.map { String(format: "%02x", $0) }.joined() } == expected)
        }
        var topics: [TopicIndexEntry] = []
        for chunk in PackedRuns.chunks(of: PackedRunsTests.vectorTopics) {
            try chunk.withUnsafeBytes { raw in try PackedRuns.decode(raw, into: &topics) }
        }
        #expect(topics == PackedRunsTests.vectorTopics)
        var hashes: [HashIndexEntry] = []
        for chunk in PackedRuns.chunks(of: PackedRunsTests.vectorHashes) {
            try chunk.withUnsafeBytes { raw in try PackedRuns.decode(raw, into: &hashes) }
        }
        #expect(hashes == PackedRunsTests.vectorHashes)
        // A primary chunk is stored as its first entry (the key) and the rest (the value).
        var primary: [PrimaryEntry] = []
        for chunk in PackedRuns.chunks(of: PackedRunsTests.vectorPrimary) {
            try chunk.withUnsafeBytes { raw in
                try PrimaryChunk(key: UnsafeRawBufferPointer(rebasing: raw[..<PrimaryEntry.byteCount]),
                                 value: UnsafeRawBufferPointer(rebasing: raw[PrimaryEntry.byteCount...]), isLast: false)
                    .decode(into: &primary)
            }
        }
        #expect(primary == PackedRunsTests.vectorPrimary)
    }

    @Test("one topic's entries a minute apart in one block take 4 bytes each; truncated chunks are refused")
    func compactAndStrict() throws {
        let entries = (0..<100).map {
            TopicIndexEntry(topic: Topic(rawValue: 9), sent: 1_700_000_000 + UInt32($0) * 60,
                            location: Location(block: 7, offset: UInt16($0) * 100))
        }
        let chunks = PackedRuns.chunks(of: entries)
        // 14 + 28 * 4 bytes to a chunk.
        #expect(chunks.map(\.count) == Array(repeating: TopicIndexEntry.byteCount + 28 * 4, count: 3) + [TopicIndexEntry.byteCount + 12 * 4])
        // Every cut inside an entry's delta is an error, never a shorter list.
        let chunk = chunks[0]
        for cut in [1, TopicIndexEntry.byteCount + 1, TopicIndexEntry.byteCount + 3, chunk.count - 1] {
            var out: [TopicIndexEntry] = []
            #expect(throws: StoreError.self) {
                try Array(chunk[0..<cut]).withUnsafeBytes { raw in try PackedRuns.decode(raw, into: &out) }
            }
        }
        // A delta that would carry the topic past 2^32 - 1 is refused.
        var overflow = TopicIndexEntry(topic: Topic(rawValue: .max - 1), sent: 0, location: Location(block: 0, offset: 0)).bytes
        LEB128.append(1 << 1 | 1, to: &overflow)
        overflow += [0, 0, 0, 0]
        var out: [TopicIndexEntry] = []
        #expect(throws: StoreError.self) {
            try overflow.withUnsafeBytes { raw in try PackedRuns.decode(raw, into: &out) }
        }
    }

    @Test("seeks land on the first entry at or after any target, across chunks; removals keep the rest")
    func seekAndRemove() async throws {
        let directory = TemporaryDirectory("packed")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        let (environment, dbi) = (store.environment, store.dbs.topics)
        var random = SplitMix64(seed: 19)
        // Three topics, many chunks; sent times with gaps so that targets fall between entries.
        var entries = Set<TopicIndexEntry>()
        while entries.count < 1500 {
            entries.insert(TopicIndexEntry(topic: Topic(rawValue: UInt32(random.next() % 3) * 1000 + 5),
                                           sent: UInt32(random.next() % 50_000) * 2 + 1,
                                           location: Location(block: UInt32(random.next() % 40), offset: UInt16(random.next() % 8))))
        }
        var expected = entries.sorted()
        let run: UInt32 = 77
        try environment.write { (txn) throws(StoreError) in try PackedRuns.write(expected, run: run, into: dbi, txn) }
        let chunkCount = try environment.read { (txn) throws(StoreError) -> Int in
            let cursor = try txn.cursor(dbi)
            _ = try cursor.get(MDB_SET_KEY, key: IndexRuns.key(run: run))
            return try cursor.duplicateCount()
        }
        #expect(chunkCount > 10)
        func expectSeeks(_ txn: Transaction, _ expected: [TopicIndexEntry]) throws(StoreError) {
            var cursor = try PackedRunCursor<TopicIndexEntry>(txn: txn, dbi: dbi)
            // Every entry, a target just below it, and targets before and after the whole run.
            var targets = expected.flatMap { [$0, TopicIndexEntry(topic: $0.topic, sent: $0.sent - 1, location: $0.location)] }
            targets += [TopicIndexEntry.first(topic: Topic(rawValue: 0), sent: 0), TopicIndexEntry.first(topic: Topic(rawValue: 9999), sent: 0)]
            for target in targets {
                let index = expected.firstIndex { !($0 < target) }
                let found = try cursor.seek(run: run, atLeast: target)
                #expect(found == index.map { expected[$0] })
                // The next few follow in order, across chunk edges.
                if let index {
                    for following in expected[(index + 1)...].prefix(3) { #expect(try cursor.next() == following) }
                }
            }
            #expect(try PackedRuns.entries(of: run, in: dbi, txn) == expected)
        }
        try environment.read { (txn) throws(StoreError) in try expectSeeks(txn, expected) }
        // Remove every chunk's first entry, some middle ones, the last one, and ones never stored.
        let firsts = try environment.read { (txn) throws(StoreError) -> [TopicIndexEntry] in
            let cursor = try txn.cursor(dbi)
            var firsts: [TopicIndexEntry] = []
            var chunk = try cursor.get(MDB_SET_KEY, key: IndexRuns.key(run: run))
            while let current = chunk {
                firsts.append(TopicIndexEntry(raw: UnsafeRawBufferPointer(rebasing: current.value[0..<TopicIndexEntry.byteCount])))
                chunk = try cursor.get(MDB_NEXT_DUP)
            }
            return firsts
        }
        #expect(firsts.count == chunkCount)
        let removed = firsts + stride(from: 7, to: expected.count, by: 13).map { expected[$0] } + [expected.last!]
        // Never stored: before and after the run, and (even sent times) between any two entries.
        var absent = [TopicIndexEntry(topic: Topic(rawValue: 5), sent: 0, location: Location(block: 0, offset: 0)),
                      TopicIndexEntry(topic: Topic(rawValue: 2005), sent: 200_001, location: Location(block: 99, offset: 0))]
        absent += expected.prefix(600).map { TopicIndexEntry(topic: $0.topic, sent: $0.sent + 1, location: $0.location) }
        try environment.write { (txn) throws(StoreError) in
            for entry in absent.prefix(2) { #expect(try !PackedRuns.remove(entry, run: run, from: dbi, txn)) }
            // One call for all: each chunk is rewritten once.
            let targets = IndexRuns.sortedDistinct(removed + absent)
            #expect(try PackedRuns.remove(targets, run: run, from: dbi, txn) == Set(removed).count)
        }
        expected.removeAll { Set(removed).contains($0) }
        try environment.read { (txn) throws(StoreError) in try expectSeeks(txn, expected) }
        // Removing the rest deletes the run's key.
        try environment.write { (txn) throws(StoreError) in
            for entry in expected { #expect(try PackedRuns.remove(entry, run: run, from: dbi, txn)) }
            #expect(try txn.get(dbi, IndexRuns.key(run: run)) == nil)
        }
    }

    @Test("the packed primary index agrees with a sorted model through appends, inserts and deletes anywhere")
    func primaryIndex() async throws {
        let directory = TemporaryDirectory("packed-primary")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        let (environment, dbi) = (store.environment, store.dbs.primary)
        var random = SplitMix64(seed: 23)
        var model: [PrimaryEntry] = []
        var newest = PrimaryEntry(sent: 1_000, prefix: 0, location: Location(block: 3, offset: 0))
        /// An entry after every other (ingest in time order: a second often shared, an offset a
        /// record further on), or one among them (sync of old history, a relocation).
        func make(appending: Bool) -> PrimaryEntry {
            guard appending else {
                return PrimaryEntry(sent: UInt32(random.next() % UInt64(newest.sent)), prefix: UInt32(truncatingIfNeeded: random.next()),
                                    location: Location(block: UInt32(random.next() % 500), offset: UInt16(truncatingIfNeeded: random.next())))
            }
            var (block, offset) = (newest.location.block, Int(newest.location.offset) + 60 + Int(random.next() % 300))
            if offset > 60_000 { (block, offset) = (block + 1, 0) }
            var next = PrimaryEntry(sent: newest.sent + UInt32(random.next() % 3), prefix: UInt32(truncatingIfNeeded: random.next()),
                                    location: Location(block: block, offset: UInt16(offset)))
            if !(newest < next) { next = PrimaryEntry(sent: newest.sent + 1, prefix: next.prefix, location: next.location) }
            newest = next
            return next
        }
        func check() throws {
            try environment.read { (txn) throws(StoreError) in
                let index = PrimaryIndex(txn: txn, dbi: dbi)
                var cursor = try index.entries()
                var forward: [PrimaryEntry] = []
                var entry = try cursor.first()
                while let current = entry {
                    forward.append(current)
                    entry = try cursor.next()
                }
                #expect(forward == model)
                var backward: [PrimaryEntry] = []
                entry = try cursor.last()
                while let current = entry {
                    backward.append(current)
                    entry = try cursor.previous()
                }
                #expect(backward == model.reversed())
                #expect(try index.edge(last: false) == model.first)
                #expect(try index.edge(last: true) == model.last)
                // Chunks stay within their size, keys in order.
                let chunks = try txn.cursor(dbi)
                var chunk = try chunks.get(MDB_FIRST)
                while let current = chunk {
                    #expect(current.key.count == PrimaryEntry.byteCount)
                    #expect(current.key.count + current.value.count <= PrimaryEntry.chunkBytes)
                    chunk = try chunks.get(MDB_NEXT)
                }
                for _ in 0..<200 {
                    let target = model.isEmpty || random.next() % 2 == 0 ? make(appending: false)
                        : model[Int(random.next() % UInt64(model.count))]
                    let at = model.firstIndex { !($0 < target) }
                    #expect(try cursor.seek(atLeast: target) == at.map { model[$0] })
                    if let at { for following in model[(at + 1)...].prefix(2) { #expect(try cursor.next() == following) } }
                    #expect(try index.contains(target) == model.contains(target))
                    #expect(try index.candidates(sent: target.sent, prefix: target.prefix)
                            == model.filter { ($0.sent, $0.prefix) == (target.sent, target.prefix) }.map(\.location))
                    #expect(try index.entries(inBucket: target.bucket, where: { $0 & 0x100 == 0 })
                            == model.filter { $0.bucket == target.bucket && $0.prefix & 0x100 == 0 })
                }
            }
        }
        try check()
        for round in 0..<12 {
            try environment.write { (txn) throws(StoreError) in
                let index = PrimaryIndex(txn: txn, dbi: dbi)
                if round % 4 == 1 {
                    // A migration's bulk append.
                    let batch = (0..<300).map { _ in make(appending: true) }
                    try index.put(sorted: batch)
                    model += batch
                }
                for _ in 0..<400 {
                    switch random.next() % 10 {
                    case 0..<5:
                        let entry = make(appending: true)
                        try index.put(entry)
                        model.append(entry)
                    case 5..<7:
                        let entry = make(appending: false)
                        guard !model.contains(entry) else { continue }
                        try index.put(entry)
                        model.insert(entry, at: model.firstIndex { entry < $0 } ?? model.count)
                        #expect(try index.contains(entry))
                    default:
                        // Mostly the oldest (retention), sometimes any, sometimes one not stored.
                        guard !model.isEmpty else { continue }
                        let at = random.next() % 3 == 0 ? Int(random.next() % UInt64(model.count)) : 0
                        #expect(try index.delete(model[at]))
                        model.remove(at: at)
                        #expect(try !index.delete(make(appending: false)))
                    }
                }
                if round % 4 == 2 {
                    // A bulk put among stored entries (a migration resuming one an older build
                    // began) goes one by one.
                    let batch = IndexRuns.sortedDistinct((0..<60).map { _ in make(appending: false) }.filter { !model.contains($0) })
                    try index.put(sorted: batch)
                    model = IndexRuns.sortedDistinct(model + batch)
                }
                if round % 4 == 3 {
                    // Retention's batched deletion: the oldest 500, every seventh of the rest,
                    // and entries never stored between them.
                    let present = Array(model.prefix(500)) + stride(from: 500, to: model.count, by: 7).map { model[$0] }
                    let absent = (0..<100).map { _ in make(appending: false) }.filter { !model.contains($0) }
                    let targets = IndexRuns.sortedDistinct(present + absent)
                    #expect(try index.delete(sorted: targets) == present.count)
                    let gone = Set(present)
                    model.removeAll { gone.contains($0) }
                }
                if let stored = model.randomElement(using: &random) {
                    #expect(throws: StoreError.self) { try index.put(stored) }
                }
            }
            try check()
        }
        #expect(model.count > 800)
    }
}
