// Hostile input to push delivery's parsers: the first byte picks one, the rest is its input.
// Web Push subscriptions (browser JSON), webhook headers, gorush's answer, VAPID headers,
// notification bodies and destination URLs with the address classifier. Only the files of
// MailvaultPush that do not import Crypto are compiled here (Fuzz/run), which covers every
// parser; the cryptography is swift-crypto's and tested against RFC and PyPI vectors.
import MailvaultPush

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPushParsers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: bytes, as: UTF8.self)
    switch data[0] % 6 {
    case 0:
        if let subscription = try? WebPushSubscription(json: bytes) {
            precondition(subscription.p256dh.count == 65 && subscription.auth.count == 16, "a subscription with bad key sizes")
            let again = try? WebPushSubscription(endpoint: subscription.endpoint, p256dh: subscription.p256dhBase64URL,
                                                 auth: subscription.authBase64URL)
            precondition(again == subscription, "a subscription does not survive its base64url form")
        }
    case 1:
        if let signatures = try? WebhookSignatureHeader.parse(text) {
            precondition(!signatures.isEmpty && signatures.count <= 16, "a signature list outside 1...16")
        }
        _ = try? WebhookSignatureHeader.timestamp(text)
        _ = try? WebhookSignatureHeader.id(text)
    case 2:
        if let response = try? GorushResponse(json: bytes) {
            precondition(Set(response.invalidTokens).isSubset(of: Set(response.failures.map(\.token))), "an invalid token that did not fail")
        }
    case 3:
        if let header = try? VAPIDHeader.parse(text) {
            precondition(!header.t.isEmpty && !header.k.isEmpty, "a VAPID header without t or k")
        }
    case 4:
        if let notifications = try? Notification.parseBody(bytes) {
            for notification in notifications {
                precondition((try? Notification(json: notification.json)) == notification, "a notification does not round-trip")
            }
        }
    default:
        if let url = try? DestinationPolicy.parseURL(text) {
            precondition(url.scheme == "https" || url.scheme == "http", "a scheme other than http(s)")
            if let address = url.address { _ = DestinationPolicy.classify(address) }
            let again = try? DestinationPolicy.parseURL(url.origin)
            precondition(again?.host == url.host && again?.port == url.port, "an origin that does not parse back to its host")
        }
        if let address = IPAddress(text) {
            precondition(IPAddress(address.description) == address, "an address whose text does not parse back")
            _ = DestinationPolicy.classify(address)
        }
        if let address = IPAddress(socketAddress: bytes) { _ = DestinationPolicy.classify(address) }
    }
    return 0
}
