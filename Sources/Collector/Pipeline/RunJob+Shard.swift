import GameLiftStreams
import OrderedJSON

#if canImport(Glibc)
import Glibc
#endif

/// `shard.json` in a shard's folder: which shard wrote it and that its run
/// got to the end. It is removed when a shard run starts and written when it
/// ends, so a shard killed midway has none, and `merge` can say so instead
/// of quietly combining an incomplete set.
package enum ShardRecord {
    package static let fileName = "shard.json"
    package static let function = "fnv1a64(utf8(sessionArn)) mod count"

    package struct Contents: Sendable, Equatable {
        package var shard: Shard
        package var exitCode: Int
    }

    /// The record in `folder`, `nil` when there is none or it cannot be read.
    package static func read(folder: String) -> Contents? {
        guard let bytes = try? ReportJob.readFile(folder + "/" + fileName),
              let document = try? JSONParser.parse(bytes),
              let index = document["shard"]?["index"]?.intValue, let count = document["shard"]?["count"]?.intValue,
              let shard = try? Shard(index: index, count: count)
        else { return nil }
        return Contents(shard: shard, exitCode: document["exitCode"]?.intValue ?? 0)
    }
}

extension RunJob {
    func clearShardRecord(_ folder: OutputFolder) {
        guard plan.shard != nil else { return }
        unlink(folder.root + "/" + ShardRecord.fileName)
    }

    /// Written last, after the reports: the shard's run reached its end.
    func writeShardRecord(_ folder: OutputFolder, tally: Tally, status: ExitStatus) {
        guard let shard = plan.shard else { return }
        let document = JSONValue.object([
            ("schemaVersion", .int(1)),
            ("shard", .object([("index", .int(Int64(shard.index))), ("count", .int(Int64(shard.count)))])),
            ("function", .string(ShardRecord.function)),
            ("listed", .int(Int64(tally.listed))),
            ("otherShards", .int(Int64(tally.otherShards))),
            ("exitCode", .int(Int64(status.rawValue))),
            ("finishedAt", .string(APITimestamp.now.iso8601Seconds)),
        ])
        // Best effort: without it, merge warns that this shard did not finish.
        try? OutputFolder.writeAtomically(Array(document.serialized().utf8), to: folder.root + "/" + ShardRecord.fileName)
    }

    /// The `shard` member of the `--json` summary (`null` for a whole run).
    func shardSummary(_ tally: Tally) -> JSONValue {
        guard let shard = plan.shard else { return .null }
        return .object([
            ("index", .int(Int64(shard.index))),
            ("count", .int(Int64(shard.count))),
            ("otherShards", .int(Int64(tally.otherShards))),
            ("requestsPerSecond", .double(plan.requestsPerSecond)),
        ])
    }
}
