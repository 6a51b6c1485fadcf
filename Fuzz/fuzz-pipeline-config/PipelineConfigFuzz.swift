import Collector
import OrderedJSON

/// libFuzzer target: `pipeline.json` as the collector reads it. The JSON parser
/// (OrderedJSON) first, then the configuration checks; every document must be
/// accepted or rejected with messages, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
func pipelineConfigOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    do throws(ConfigError) {
        _ = try PipelineConfig.parse(bytes)
    } catch {
        precondition(!error.description.isEmpty, "a rejected configuration says why")
    }
    // The writer must reproduce what it wrote: serialising what the parser
    // read, parsing that and serialising again gives the same text.
    if let document = try? JSONParser.parse(bytes) {
        let once = document.serialized(pretty: false)
        guard let again = try? JSONParser.parse(once) else {
            preconditionFailure("the parser rejects the writer's own output: \(once)")
        }
        precondition(again.serialized(pretty: false) == once, "serialising is not stable for \(once)")
    }
    _ = ISO8601Instant.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}
