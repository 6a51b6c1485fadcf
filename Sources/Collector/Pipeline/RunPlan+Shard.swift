extension RunPlan {
    /// Restricts the run to one shard.
    ///
    /// - The folder: `<output>/shard-I-of-N`, whatever `--output` or
    ///   `output.dir` says, so shards started with one command line never
    ///   share a folder (they would stop at each other's lock); `merge`
    ///   combines the shard folders.
    /// - The API quota: all shards share the account's GameLift Streams
    ///   quota, so each takes `requestsPerSecond / N` and a burst of
    ///   `5 / N` (at least 1), unless `requestsPerSecond` is given here
    ///   (`run --requests-per-second`), which is this process's rate as is.
    package mutating func restrict(to shard: Shard, requestsPerSecond explicitRate: Double? = nil) {
        self.shard = shard
        outputDirectory = shard.folder(in: outputDirectory)
        requestsPerSecond = explicitRate ?? requestsPerSecond / Double(shard.count)
        requestBurst = max(1, requestBurst / Double(shard.count))
    }

    /// The rate limiter's floor (`RequestRateLimiter` never goes below it):
    /// a smaller share cannot be honoured, and the shards together would
    /// exceed the configured rate.
    package static let minimumRequestsPerSecond = 0.1
}
