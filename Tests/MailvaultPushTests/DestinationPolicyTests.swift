import Foundation
@testable import MailvaultPush
import Testing

@Suite struct DestinationPolicyTests {
    @Test func classifiesEveryRange() throws {
        let table: [(String, AddressClass)] = [
            ("93.184.216.34", .public), ("8.8.8.8", .public), ("2606:4700::1111", .public),
            ("127.0.0.1", .loopback), ("127.255.0.9", .loopback), ("::1", .loopback),
            ("10.0.0.1", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
            ("172.32.0.1", .public), ("192.168.1.1", .privateNetwork), ("fec0::1", .privateNetwork),
            ("64:ff9b:1::1", .privateNetwork),
            ("100.64.0.1", .carrierGradeNAT), ("100.127.255.255", .carrierGradeNAT), ("100.128.0.1", .public),
            ("169.254.169.254", .linkLocal), ("169.254.0.1", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
            ("fc00::1", .uniqueLocal), ("fd12:3456::1", .uniqueLocal),
            ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
            ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
            ("255.255.255.255", .broadcast),
            ("192.0.2.1", .documentation), ("198.51.100.7", .documentation), ("203.0.113.9", .documentation),
            ("2001:db8::1", .documentation), ("3fff::1", .documentation),
            ("198.18.0.1", .benchmarking), ("198.19.255.255", .benchmarking), ("2001:2::1", .benchmarking),
            ("240.0.0.1", .reserved), ("192.0.0.8", .reserved), ("100::1", .reserved), ("4000::1", .reserved),
            // IPv6 forms that embed IPv4 are classed by what they embed.
            ("::ffff:127.0.0.1", .loopback), ("::ffff:10.1.2.3", .privateNetwork), ("::ffff:8.8.8.8", .public),
            ("::ffff:169.254.169.254", .linkLocal), ("::127.0.0.1", .loopback), ("::10.0.0.1", .privateNetwork),
            ("64:ff9b::10.0.0.1", .privateNetwork), ("64:ff9b::169.254.169.254", .linkLocal), ("64:ff9b::8.8.8.8", .public),
            ("2002:7f00:1::1", .loopback), ("2002:a00:1::", .privateNetwork), ("2002:808:808::1", .public),
            // Teredo: server 65.54.227.120, client 10.0.0.1 obfuscated (XOR 0xff) as f5ff:fffe.
            ("2001:0:4136:e378:8000:63bf:f5ff:fffe", .privateNetwork),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", .public),
        ]
        for (text, expected) in table {
            let address = try #require(IPAddress(text), "\(text)")
            #expect(DestinationPolicy.classify(address) == expected, "\(text)")
        }
    }

    @Test func addressesFromTextAndSocketAddresses() throws {
        #expect(IPAddress("::ffff:127.0.0.1")?.description == "::ffff:7f00:1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("10.0.0.1")?.description == "10.0.0.1")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "0177.0.0.1", "0x7f.0.0.1", "2130706433", "fe80::1%eth0", "[::1]", "1::2::3"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_addr.s_addr = UInt32(0xA9FE_A9FE).bigEndian
        let v4Bytes = withUnsafeBytes(of: &v4) { Array($0) }
        #expect(IPAddress(socketAddress: v4Bytes)?.description == "169.254.169.254")
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &v6.sin6_addr) { $0[15] = 1 }
        #expect(IPAddress(socketAddress: withUnsafeBytes(of: &v6) { Array($0) }) == IPAddress("::1"))
        #expect(IPAddress(socketAddress: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    static let publicAddress = IPAddress("93.184.216.34")!

    @Test func checkTable() {
        let loopback = IPAddress("127.0.0.1")!
        let cases: [(url: String, resolved: [IPAddress], allow: Set<String>, error: PushError?)] = [
            ("https://push.example.net/p/1", [Self.publicAddress], [], nil),
            ("https://push.example.net:8443/p", [Self.publicAddress, IPAddress("2606:4700::1111")!], [], nil),
            ("https://127.0.0.1/hook", [], [], .addressNotAllowed(host: "127.0.0.1", address: "127.0.0.1", class: .loopback)),
            ("https://127.0.0.1:9000/hook", [], ["127.0.0.1"], nil),
            ("http://127.0.0.1:9000/hook", [], ["127.0.0.1"], nil),
            ("http://localhost:9000/hook", [loopback], ["localhost"], nil),
            ("https://10.0.0.1/", [], [], .addressNotAllowed(host: "10.0.0.1", address: "10.0.0.1", class: .privateNetwork)),
            ("https://169.254.169.254/latest/meta-data", [], [],
             .addressNotAllowed(host: "169.254.169.254", address: "169.254.169.254", class: .linkLocal)),
            ("https://[::ffff:127.0.0.1]/", [], [], .addressNotAllowed(host: "::ffff:7f00:1", address: "::ffff:7f00:1", class: .loopback)),
            ("https://[::1]:8080/", [], [], .addressNotAllowed(host: "::1", address: "::1", class: .loopback)),
            ("https://rebind.example/", [Self.publicAddress, IPAddress("10.1.1.1")!], [],
             .addressNotAllowed(host: "rebind.example", address: "10.1.1.1", class: .privateNetwork)),
            ("https://internal.example/", [IPAddress("100.64.1.1")!], [],
             .addressNotAllowed(host: "internal.example", address: "100.64.1.1", class: .carrierGradeNAT)),
            ("https://nothing.example/", [], [], .noAddresses(host: "nothing.example")),
            ("http://push.example.net/", [Self.publicAddress], [], .schemeNotAllowed("http")),
            ("http://127.0.0.1/", [], [], .schemeNotAllowed("http")),
            ("https://2130706433/", [], [], .invalidURL("2130706433 is an IP address in a non-canonical form")),
            ("https://0177.0.0.1/", [], [], .invalidURL("0177.0.0.1 is an IP address in a non-canonical form")),
            ("https://0x7f.0.0.1/", [], [], .invalidURL("0x7f.0.0.1 is an IP address in a non-canonical form")),
            ("https://0x7f000001/", [], [], .invalidURL("0x7f000001 is an IP address in a non-canonical form")),
            ("https://127.1/", [], [], .invalidURL("127.1 is an IP address in a non-canonical form")),
            ("https://127.0.0.01/", [], [], .invalidURL("127.0.0.01 is an IP address in a non-canonical form")),
            ("https://user:pw@push.example.net/", [Self.publicAddress], [], .userinfoNotAllowed),
            ("https://push.example.net@127.0.0.1/", [], [], .userinfoNotAllowed),
        ]
        for item in cases {
            if let error = item.error {
                #expect(throws: error, "\(item.url)") {
                    try DestinationPolicy.check(url: item.url, resolved: item.resolved, allowHosts: item.allow)
                }
            } else {
                #expect(throws: Never.self, "\(item.url)") {
                    try DestinationPolicy.check(url: item.url, resolved: item.resolved, allowHosts: item.allow)
                }
            }
        }
    }

    @Test func parserTable() throws {
        let url = try DestinationPolicy.parseURL("HTTPS://Push.Example.NET.:8443/a?b#c")
        #expect(url == DestinationURL(scheme: "https", host: "push.example.net", port: 8443, address: nil))
        #expect(url.origin == "https://push.example.net:8443")
        #expect(try DestinationPolicy.parseURL("https://[2606:4700::1111]/x").origin == "https://[2606:4700::1111]")
        #expect(try DestinationPolicy.parseURL("https://8.8.8.8").address == IPAddress("8.8.8.8"))
        let errors: [(String, PushError)] = [
            ("push.example.net/x", .invalidURL("no scheme://")),
            ("ftp://push.example.net/", .schemeNotAllowed("ftp")),
            ("javascript://x", .schemeNotAllowed("javascript")),
            ("https:///path", .invalidURL("no host")),
            ("https://:443/", .invalidURL("no host")),
            ("https://a..b/", .invalidURL("an empty or over-long label")),
            ("https://\(String(repeating: "a", count: 64)).example/", .invalidURL("an empty or over-long label")),
            ("https://\(Array(repeating: "abcdefgh", count: 30).joined(separator: "."))/", .invalidURL("the host is longer than 253 characters")),
            ("https://push_example.net/", .invalidURL("the host holds characters other than letters, digits, '-' and '.'")),
            ("https://püsh.example/", .invalidURL("the host holds characters other than letters, digits, '-' and '.'")),
            ("https://a%2eb/", .invalidURL("the authority holds '\\', '%' or white space")),
            ("https://a\\b/", .invalidURL("the authority holds '\\', '%' or white space")),
            ("https://a b/", .invalidURL("the authority holds '\\', '%' or white space")),
            ("https://push.example.net:0/", .invalidURL("port '0' is not 1...65535")),
            ("https://push.example.net:65536/", .invalidURL("port '65536' is not 1...65535")),
            ("https://push.example.net:/", .invalidURL("port '' is not 1...65535")),
            ("https://push.example.net:8x/", .invalidURL("port '8x' is not 1...65535")),
            ("https://[::1/", .invalidURL("an unclosed [")),
            ("https://[1.2.3.4]/", .invalidURL("[1.2.3.4] is not an IPv6 address")),
            ("https://[::1]x/", .invalidURL("text after the host that is not :port")),
            ("https://" + String(repeating: "a", count: 2048), .invalidURL("longer than 2 KiB")),
        ]
        for (text, expected) in errors {
            #expect(throws: expected, "\(text.prefix(60))") { try DestinationPolicy.parseURL(text) }
        }
    }
}
