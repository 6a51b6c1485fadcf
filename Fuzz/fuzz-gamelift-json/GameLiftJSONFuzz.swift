@testable import GameLiftStreams
import HTTPTransport
import OrderedJSON

/// libFuzzer target: what the GameLift Streams client decodes from a response
/// body, success or error: list pages of sessions and stream groups, one
/// session, the error document (with `Retry-After` and `x-amzn-ErrorType`
/// taken from the input's first line), pagination tokens and timestamps.
@_cdecl("LLVMFuzzerTestOneInput")
func gameLiftJSONOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let document = try? JSONParser.parse(bytes) {
        _ = try? GameLiftStreamsClient.page(document, operation: "ListStreamSessions", subject: nil,
                                            item: StreamSession.init(json:))
        _ = try? GameLiftStreamsClient.page(document, operation: "ListStreamGroups", subject: nil,
                                            item: StreamGroup.init(json:))
        _ = StreamSession(json: document)
    }
    let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
    let header = String(decoding: firstLine, as: UTF8.self)
    let head = HTTPResponseHead(status: 400 + Int(size % 200),
                                headers: [("x-amzn-ErrorType", header), ("Retry-After", header)])
    let error = GameLiftStreamsError.fromResponse(status: head.status, head: head, body: bytes,
                                                  operation: "ListStreamSessions", subject: "sg-1")
    precondition(!error.description.contains("\n"), "an error is one line")
    let text = String(decoding: bytes, as: UTF8.self)
    _ = PaginationToken(decoding: text)
    _ = APITimestamp.parseISO8601(text)
    _ = GameLiftStreamsARN(parsing: text)
    return 0
}
