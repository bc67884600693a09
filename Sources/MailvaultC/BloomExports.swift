import CMailvaultHeader
import MailvaultCore

/// `mv_topic_bloom`: a topic's 64-byte bloom (go-ethereum's TopicToBloom). Any thread.
@_cdecl("mv_topic_bloom")
public func mv_topic_bloom(_ topic: UnsafePointer<UInt8>?, _ outBloom: UnsafeMutablePointer<UInt8>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let bytes = try Arguments.fixed(topic, count: 4, "topic")
        let out = try Arguments.output(outBloom, "out_bloom")
        UnsafeMutableRawPointer(out).copyBytes(Topic(bytes[0], bytes[1], bytes[2], bytes[3]).bloom.bytes)
    }
}

/// `mv_topics_bloom`: the union of several topics' blooms. Any thread.
@_cdecl("mv_topics_bloom")
public func mv_topics_bloom(_ topics: UnsafePointer<UInt8>?, _ count: Int,
                            _ outBloom: UnsafeMutablePointer<UInt8>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let bytes = try Arguments.items(topics, count: count, itemSize: 4, "topics")
        let out = try Arguments.output(outBloom, "out_bloom")
        let bloom = Bloom(topics: stride(from: 0, to: bytes.count, by: 4).map {
            Topic(bytes[$0], bytes[$0 + 1], bytes[$0 + 2], bytes[$0 + 3])
        })
        UnsafeMutableRawPointer(out).copyBytes(bloom.bytes)
    }
}

/// `mv_bloom_match`: whether `filter` accepts `sample`. Any thread.
@_cdecl("mv_bloom_match")
public func mv_bloom_match(_ filter: UnsafePointer<UInt8>?, _ sample: UnsafePointer<UInt8>?,
                           _ outMatch: UnsafeMutablePointer<Int32>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let filterBytes = try Arguments.fixed(filter, count: Bloom.byteCount, "filter")
        let sampleBytes = try Arguments.fixed(sample, count: Bloom.byteCount, "sample")
        let out = try Arguments.output(outMatch, "out_match")
        guard let filter = Bloom(bytes: filterBytes), let sample = Bloom(bytes: sampleBytes) else {
            throw .invalid("a bloom is 64 bytes")
        }
        out.pointee = filter.matches(sample) ? 1 : 0
    }
}
