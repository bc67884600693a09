import Foundation
import HTTPTypes
import Hummingbird
import MailvaultAPI
import MailvaultAccountability
import MailvaultDiscovery
import MailvaultNode
import NIOCore

/// Discovery's endpoint (Docs/Discovery.md): the node's EIP-778 record, so that a tree's curator
/// can collect it (`mailvault directory tree --provider URL`) without the node's secret key.
struct DiscoveryRoutes: Sendable {
    let server: MailvaultServer
    private var node: Node { server.node }

    /// Registers `GET /v1/provider/record` under the read limit.
    func register(on reads: RouterGroup<ServerContext>) {
        reads.get("/v1/provider/record") { request, _ in try record(request) }
    }

    /// `{"record":"enr:..."}`: the record signed with the node's key, carrying the descriptor's
    /// endpoints, its sequence number the descriptor's (which rises whenever the descriptor is
    /// re-signed, so a newer record always supersedes an older one).
    func record(_ request: Request) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let signed = node.provider.descriptor(now: node.clock()).document
        let descriptor: ProviderDescriptor
        do {
            descriptor = try signed.decode(ProviderDescriptor.self)
        } catch {
            throw APIError(status: 500, code: "descriptorUnreadable", message: "the node's own descriptor does not decode: \(error)")
        }
        guard !descriptor.endpoints.isEmpty else {
            throw APIError(status: 404, code: "noPublicURL",
                           message: "the node has no public URL to put in a record (start it with --public-url)")
        }
        let record: NodeRecord
        do throws(NodeRecordError) {
            let endpoints = try ProviderEndpoints(urls: descriptor.endpoints)
            record = try NodeRecord(sequence: descriptor.sequence, pairs: [endpoints.pair], key: node.provider.key)
        } catch {
            throw APIError(status: 500, code: "recordNotSigned", message: "the node's record cannot be made: \(error)")
        }
        let body = "{\"record\":\"\(record.text)\"}"
        return Response(status: .ok, headers: [.contentType: IngestBody.jsonMediaType],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
