import Hummingbird
import MailvaultAPI
import NIOCore

/// Request bodies, read whole up to a limit: a larger one is 413 whether it announced its length
/// or not.
enum RequestBody {
    static func collect(_ request: Request, limit: Int) async throws(APIError) -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw .bodyTooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that ran past the limit.
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw APIError(status: 400, code: "bodyUnreadable", message: "the request body could not be read")
        }
    }
}
