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
                                        prefix: UInt32(truncatingIfNeeded: i * 2_654_435_761),
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
        "00000000000000000000000000008088bfaa19000000000002cdab89248001904e1e9e3779b11b64543c6ef362644ecef4d7ad36cda20342daa66d1335f316a201afd9d5ab068bce01167c3c104604d81d1278dde6c40990033ef663459324ac6642212fdcfb05cc5326ff347390de988b01904b5e17156075fb988b01f403661500857ca4ff39fcc9035e36306277f5fe39bc820162e81f131b07cc6c16b54cda26aae505e62d8e01e162c017bbe505bc37e201538453d711bc052669ce27dce2e59601dca6013e0b63cb0fade596019c9501a2011649d4050bb474165fb3ab56c69834969c0352f878208cdb9834b03b3e01494e8904c445",
        "6553f2c0f1bbcd880000003303203e0c2f577f0adc24664e114f5c03f01512ca4d5fa2d0e53fe2f703ce017a27354dbde53fedc501628ff3473917d94422886b67c516b44202f9c16f1516b5eb01a2021a7389f723d7a902b601d109b2a61cd868222e2ac0ea23e8073246896fe81aa0517e47d2be711ae49601e6012a010af8f6fe73f893035e4f5a9de58bff7385fd0262cc623a9b1dcc0842f3051c1118e44b62ec48c90d11d4164204a7780b1aebaa03620f8d81010ba16ab60174b430d2e2986e92e6022ebd527bb3c9986eac7f666a99b44cd6cb0bcc5b122d5f347ad7cb0ba8788e01b337ff2d1bd42fc602aa66d130acb22eb0ee02",
        "6553f56cdf4de51e000f39a2e0de42c2c5802eb7e579f86e6e8441b1d30eb3d00302fdeb250727fc2a2208d12dfd0b940a46b8ab03a808a01fbe019a0dc3bf149fcf0242d9dae0a30c8362667f9a39c8e2cb45c825328a8042beebcc28fee401a202a708a7ae9bff1cf80a2eabb01fb922846b626be302d509f44e426884d95309ac346280e388511ce47da201b9f4523109d1d8034296af9a3d0d943ca2024540215f11bf72a602bf6756acc0b268acb8023ec0b0a5358bb268f4990196019f80c83af0fe56faae016e28b7bc6f9fff569c1806f0f0411822e0769e0156e27d591f84201626a2e1760e98434202929d121a888b0112e3779b102dc00c",
        "6553f8083f0190740015c00caef41e489e4ae1a5ffad01a42666c623a9b024c0890152185eaefe17b849427b7083d61a988e01a201516f78de23b8306289b4b64ef098a8018eb002529c229eb8ef98a801e02b3e447494ef1ccfbd0106949abf44e8cb7fc4ef0362b7df7738dfcb7fe08f017e81af14c12fa40db601adc4fab2128840524d45c2ec1ab08601c202c6ef362027801912f44e6a9ae0e5b301da8b030e9d6bed41bfe5b301a47102e4c0e99909b9a1026686568ccc0ab06d1efd1f989710bc9b0156913c95c21bc84ca2011fe68e729cb211b28901820110d6cf8a87b211e884010e1dd1b3791b8439b601f519f70af4cb28cac002",
        "6553fa4006bc53040000003b1a90a20130bd5dfc22f09201f201ed92179613985c4ec83884a902c45e36b4814db68eff9001f67802e6d5c492a1ff900188276ebe1e082309ec0e420805a18d28d47a66d467dc28a0b2a201a882021e12ebaa83abb2a201ec59026f412c5706b7063634e713ee9ab24bae538e016526afd1b7b24bf1fb0126a2def1bc1af06092026d2c515e14b89401ae013a5a18692589b303a201efa6f28f02efe003465c5581d40dd00f2238453d701cc057520a1a7c86f0cb62c68a02820297f8e8c6e1cb62d881012e7d855ecf099c63a201935170bb17cc21623db841eb0e8c4742c4da5b27018798018602a99b44c084ccb901c0b903",
        "6553fd0ffa8cfb8500000035502516035e298202c81ace0160fcf9df20dc6f625d9ed05d09945522b69628af039c4a02cb96ae2b128c798201850d3e431da38503424bfc746308ec40c6015b89f5641890800172582bcbe209c8652249e7996aa4b28501aa1d4ea4f3ccb5b5b28501d50e0678125a5418d07312bc092d2a15e839e20198c475360d98118202e60a382230c897018203d891921a25a82d123188ea6c03b0225ea195a33301ac1b82012f740f7312d3f301b60182f8634a02e852528dde6c400b80323ed31e8d9f04dc3d4236fbeee70ffc11161f1b020292cc9c01c2d401ce0332d238f5f1cb9c01f467a2018f27bac904e98f01",
        "6554004822792b840000004e4c90422344b7f429d028a203d5336898de981798b701a2013fcd1ce4e8cc0be49202de018bc99147b1e522fc5ca201248e067d069d3422cfc0641d1bbdd70236666ffe5a16a85f12b123243401d05a22e2ac0ea00c807d226311d4d813e044123ba366f21088729201dbefbb9c0df0473ea851f63702bc5062a0ca16c316ec8b0136432b46661dd8360e645b23611e81c70261dd390a25cdb901a20176c90bcb218c2e2227ec2fff22dc88010241166b6d0fd461025a40a6db0dbb3c02736ae2490dc41322d67cb7211aa45826ea33ee14d498519481017e19a7fd87bf9851e7f402165ee81ee69cb2bf01a6e703",
        "655402780d78a6080000004535207eeb7d3c9d0a9487012654cda260ace55ce0dc01fe012c15e5f1c9e55ce432025616f0e922c4900122de04969529f41c6252b8c76720fc75e201c17c31a51bb42962af0e493b229b9902061bbcd8800b806432fbd64a0e05f855820111a25bfa17a81442a63d1b3e26b87b8e019285e44b088c920146715607501dc03e326df7ddce09f823ce03729f55d92484840182debfd526ffffffffeafeffff1fffff03",
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
                    #expect(try index.entries(inBucket: target.bucket, where: { $0 & 1 == 0 })
                            == model.filter { $0.bucket == target.bucket && $0.prefix & 1 == 0 })
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
                if let stored = model.randomElement(using: &random) {
                    #expect(throws: StoreError.self) { try index.put(stored) }
                }
            }
            try check()
        }
        #expect(model.count > 1500)
    }
}
