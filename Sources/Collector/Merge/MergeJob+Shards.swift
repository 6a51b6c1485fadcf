extension MergeJob {
    /// Why the inputs may not be a complete set of shards, one warning each:
    /// a shard folder without `shard.json` (its run did not reach the end),
    /// a shard that ended with exit 3 (its listing or reports failed), shards
    /// of different counts, a shard index missing from the inputs. Inputs
    /// that are not shard folders (no record, no `shard-I-of-N` name) are
    /// whole runs and raise nothing.
    static func shardProblems(_ inputs: [String], output: String) -> [String] {
        var indices: [Int: Set<Int>] = [:]
        var problems: [String] = []
        for input in inputs {
            if let record = ShardRecord.read(folder: input) {
                indices[record.shard.count, default: []].insert(record.shard.index)
                if record.exitCode == Int(ExitStatus.cannotProceed.rawValue) {
                    problems.append("warning: shard \(record.shard) (\(input)) ended with exit 3 (its listing or its reports failed):"
                        + " some of its sessions may be missing; run it again (--shard \(record.shard)) and merge again")
                }
            } else if let shard = shard(named: input) {
                indices[shard.count, default: []].insert(shard.index)
                problems.append("warning: \(input) has no \(ShardRecord.fileName): the run of shard \(shard) did not finish;"
                    + " run it again (--shard \(shard)) and merge again")
            }
        }
        if indices.count > 1 {
            let counts = indices.keys.sorted().map(String.init).joined(separator: ", ")
            problems.append("warning: the inputs are shards of different counts (\(counts)): sessions may be missing from \(output)")
        }
        for (count, present) in indices.sorted(by: { $0.key < $1.key }) {
            let missing = (0 ..< count).filter { !present.contains($0) }
            guard !missing.isEmpty else { continue }
            let shown = missing.prefix(10).map { "\($0)/\(count)" }.joined(separator: ", ") + (missing.count > 10 ? " and \(missing.count - 10) more" : "")
            problems.append("warning: shard\(missing.count == 1 ? "" : "s") \(shown) \(missing.count == 1 ? "is" : "are") not among the inputs:"
                + " \(missing.count == 1 ? "its" : "their") sessions are missing from \(output)")
        }
        return problems
    }

    /// The shard a folder named `shard-I-of-N` (the folder rule of `run --shard`) holds.
    static func shard(named path: String) -> Shard? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasPrefix("shard-") else { return nil }
        let parts = name.dropFirst("shard-".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "of", let index = Int(parts[0]), let count = Int(parts[2]),
              String(index) == parts[0], String(count) == parts[2]
        else { return nil }
        return try? Shard(index: index, count: count)
    }
}
