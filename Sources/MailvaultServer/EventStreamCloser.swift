import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client has closed its side while the answer is an event stream.
///
/// Hummingbird lets a client half-close (send FIN) and still receive its answer, so the
/// connection outlives the client's close until a write to it fails; for a live subscription
/// that is the next keep-alive, and the subscriber's slot stays taken until then. An event
/// stream has no more to say to a client that cannot read it, so this handler closes the
/// connection as soon as both are true; its close ends the subscription
/// (`SubscriptionHub.subscribe(_:client:until:)`). Other answers are untouched: a client may
/// half-close after its request and still read an ordinary answer.
final class EventStreamCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var streaming = false
    private var inputClosed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            streaming = head.headerFields[.contentType] == EventStreamCloser.mediaType
        case .end:
            streaming = false
        case .body:
            break
        }
        context.write(data, promise: promise)
        if streaming, inputClosed { context.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            inputClosed = true
            if streaming {
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    static let mediaType = "text/event-stream"
}
