import MailvaultAPI

/// Why the push registry refused a request, each with the HTTP answer it maps to.
public enum PushRegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body or the document does not parse (the API error says which field).
    case malformed(APIError)
    /// The signature is missing, malformed, batched, over another kind, or not the signer's.
    case badSignature(String)
    /// The document's version is not above the stored one (a replay, or a stale copy).
    case staleVersion(stored: UInt64, given: UInt64)
    /// `expires` is past, or further ahead than the node keeps registrations.
    case badExpiry(String)
    /// A cap is reached: `what` names it.
    case capReached(what: String, limit: Int)
    /// The target is refused by the destination policy (the API error says why).
    case destinationRefused(APIError)
    /// The node has no gorush configured.
    case gorushUnavailable
    /// No registration with this id.
    case notFound(String)
    /// The signer is not the registration's owner.
    case notOwner
    /// The registration log could not be written: nothing was acknowledged.
    case storage(String)

    public var description: String { apiError.message }

    /// The error as the HTTP API answers it.
    public var apiError: APIError {
        switch self {
        case .malformed(let error), .destinationRefused(let error):
            return error
        case .badSignature(let reason):
            return APIError(status: 401, code: "badSignature", message: reason)
        case .staleVersion(let stored, let given):
            return APIError(status: 409, code: "staleVersion",
                            message: "version \(given) is not above the stored version \(stored) (a replay is refused)",
                            parameter: "version")
        case .badExpiry(let reason):
            return APIError(status: 400, code: "invalidExpiry", message: reason, parameter: "expires")
        case .capReached(let what, let limit):
            return APIError(status: 403, code: "registrationLimit", message: "at most \(limit) \(what)")
        case .gorushUnavailable:
            return APIError(status: 422, code: "gorushUnavailable", message: "this node delivers no gorush notifications",
                            parameter: "target.gorush")
        case .notFound(let id):
            return .notFound("no push registration \(id)")
        case .notOwner:
            return APIError(status: 403, code: "notOwner", message: "only the key that registered may change or delete a registration")
        case .storage(let reason):
            return APIError(status: 500, code: "storeFailure", message: "the registration could not be stored: \(reason)")
        }
    }
}
