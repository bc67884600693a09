import Foundation
import HTTPTypes
import Hummingbird
import MailvaultAccountability
import MailvaultAPI
import MailvaultChain
import Synchronization

/// A node's paid service (`mailvault serve --subscriptions`, Docs/API.md "Signed requests and
/// subscriptions"): history reads beyond a free daily quota need a request signed by a client
/// key whose subscription with this provider is paid in the registry contract.
public final class PaymentGate: Sendable {
    /// Who has paid.
    public let ledger: SubscriptionLedger
    /// What a subscription costs, as the contract said at start.
    public let terms: SubscriptionLedger.Terms
    /// Paid requests a client (a signing key, or an address without one) may make per UTC day
    /// without a subscription.
    public let freeQuota: Int
    private let used = Mutex<(day: Int, counts: [String: Int])>((0, [:]))

    /// A gate over `ledger` selling at `terms`, with `freeQuota` requests a day free.
    public init(ledger: SubscriptionLedger, terms: SubscriptionLedger.Terms, freeQuota: Int) {
        self.ledger = ledger
        self.terms = terms
        self.freeQuota = freeQuota
    }

    /// The requests that are the paid service: history and envelope reads. Peers' Negentropy and
    /// the live stream are free; a client's fetch by hash (`POST /v1/sync/envelopes`) is not.
    static func isPaid(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        switch (method, path) {
        case (.get, "/v1/envelopes"), (.get, "/v1/hashes"), (.post, "/v1/sync/envelopes"): true
        case (.get, _): path.hasPrefix("/v1/envelopes/")
        default: false
        }
    }

    /// Takes one request from `client`'s free quota for today; false when it is used up.
    func takeFree(_ client: String, now: UInt32) -> Bool {
        let day = Int(now / 86_400)
        return used.withLock { used in
            if used.day != day { used = (day, [:]) }
            let count = used.counts[client] ?? 0
            // Bounded: past a million clients in a day, new ones get no free requests.
            guard count < freeQuota, used.counts[client] != nil || used.counts.count < 1_000_000 else { return false }
            used.counts[client] = count + 1
            return true
        }
    }

    /// 402, naming the contract and the price.
    var paymentRequired: APIError {
        APIError(status: 402, code: "paymentRequired",
                 message: "this node serves \(freeQuota) history requests a day free; beyond them, sign requests (\(RequestSignature.headerName)) "
                    + "with a client key whose subscription is paid: registry contract \(ledger.contract), provider \(ledger.provider), "
                    + "price \(terms.price) units of token \(terms.token) per period of \(terms.period) s")
    }
}

/// Lets a paid request through when it is within the free quota, signed by a peer, or signed by
/// a paying client; otherwise 402 (401 for a signature that does not verify). A lookup the
/// contract does not answer within the ledger's bound lets a signed request through (counted as
/// `unknown`): the node never holds a request for a slow RPC, and a paying user is not refused
/// for the operator's outage.
struct PaymentMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let server: MailvaultServer

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let gate = server.payments, PaymentGate.isPaid(request.method, request.uri.path) else {
            return try await next(request, context)
        }
        let now = server.node.clock()
        guard let header = request.headers[HTTPField.Name(RequestSignature.headerName)!] else {
            let client = ClientAddress.of(request, context, trustForwardedFor: server.configuration.trustForwardedFor)
            guard gate.takeFree(client, now: now) else {
                server.metrics.payment("refused")
                throw gate.paymentRequired
            }
            server.metrics.payment("free")
            return try await next(request, context)
        }
        let signer: ProviderAddress
        do {
            signer = try RequestSignature(header: header).verify(method: request.method.rawValue, path: request.uri.path,
                                                                  query: request.uri.query ?? "", now: now)
        } catch {
            server.metrics.payment("badSignature")
            throw APIError(status: 401, code: "badRequestSignature", message: "\(RequestSignature.headerName): \(error)",
                           parameter: RequestSignature.headerName)
        }
        if server.federation.isPeer(signer) {
            server.metrics.payment("peer")
            return try await next(request, context)
        }
        if gate.takeFree(signer.description, now: now) {
            server.metrics.payment("free")
            return try await next(request, context)
        }
        switch await gate.ledger.status(of: signer) {
        case .paid:
            server.metrics.payment("paid")
        case .unknown:
            server.metrics.payment("unknown")
        case .unpaid:
            server.metrics.payment("refused")
            throw gate.paymentRequired
        }
        return try await next(request, context)
    }
}
