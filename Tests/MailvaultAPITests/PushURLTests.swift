import MailvaultAPI
import Testing

/// The SSRF guard's pure part, as a table: (URL, allowed hosts, refused or not).
@Suite("push URL policy")
struct PushURLTests {
    @Test(arguments: [
        ("https://hooks.example.org/x", [String](), true),
        ("https://93.184.215.14/x", [], true),
        ("https://[2606:4700::1111]/x", [], true),
        ("http://hooks.example.org/x", [], false),
        ("https://127.0.0.1/x", [], false),
        ("https://127.1.2.3/x", [], false),
        ("https://10.0.0.1/x", [], false),
        ("https://172.16.5.4/x", [], false),
        ("https://192.168.1.1/x", [], false),
        ("https://169.254.169.254/latest/meta-data", [], false),
        ("https://100.64.0.1/x", [], false),
        ("https://0.0.0.0/x", [], false),
        ("https://224.0.0.1/x", [], false),
        ("https://255.255.255.255/x", [], false),
        ("https://[::1]/x", [], false),
        ("https://[::]/x", [], false),
        ("https://[::ffff:127.0.0.1]/x", [], false),
        ("https://[::ffff:169.254.169.254]/x", [], false),
        ("https://[fd00::1]/x", [], false),
        ("https://[fe80::1]/x", [], false),
        ("https://[64:ff9b::a00:1]/x", [], false),
        ("https://localhost/x", [], false),
        ("https://a.localhost/x", [], false),
        ("https://intranet/x", [], false),
        ("http://127.0.0.1:9/x", ["127.0.0.1"], true),
        ("https://127.0.0.2/x", ["127.0.0.1"], false),
        ("ftp://hooks.example.org/x", [], false),
        ("https://user:pw@hooks.example.org/x", [], false),
        ("https://hooks.example.org/x#frag", [], false),
        ("https:///x", [], false),
        ("https://hooks.example.org:0/x", [], false),
        ("https://hooks.example.org/a b", [], false),
    ])
    func policy(url: String, allow: [String], accepted: Bool) {
        let result = try? PushURL.check(url, field: "url", allowHosts: Set(allow))
        #expect((result != nil) == accepted, "\(url)")
    }

    @Test func refusalsAre4xxNamingTheField() {
        #expect(throws: APIError.self) { try PushURL.check("https://10.0.0.1/", field: "target.webhook.url", allowHosts: []) }
        do {
            _ = try PushURL.check("https://10.0.0.1/", field: "target.webhook.url", allowHosts: [])
        } catch {
            #expect(error.status == 422 && error.parameter == "target.webhook.url" && error.code == "destinationRefused")
        }
    }

    @Test func resolvedAddressesAreCheckedUnlessTheHostIsAllowed() throws {
        let loopback = try #require(IPAddressText("127.0.0.1"))
        let public4 = try #require(IPAddressText("93.184.215.14"))
        #expect(!PushURL.permits(address: loopback, host: "evil.example", allowHosts: []))
        #expect(PushURL.permits(address: loopback, host: "127.0.0.1", allowHosts: ["127.0.0.1"]))
        #expect(PushURL.permits(address: public4, host: "hooks.example.org", allowHosts: []))
        #expect(IPAddressText("not an address") == nil)
        #expect(IPAddressText(bytes: [1, 2, 3]) == nil)
    }
}
