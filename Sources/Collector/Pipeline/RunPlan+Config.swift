import GameLiftStreams
import S3
import ZipIndex

extension RunPlan {
    /// The plan for `config`, with the command line and the environment above
    /// the file as CONTRACTS.md orders them.
    /// - Throws: `ConfigError` for a setting that cannot be used (an endpoint
    ///   that is not a URL); exit 2, nothing done.
    package static func make(config: PipelineConfig, configFile: String, commandLine: AWSSettings.CommandLine,
                             environment: [String: String]) throws(ConfigError) -> RunPlan {
        let file = AWSSettings.FileLayer(
            region: config.region, profile: config.profile,
            gameLiftStreamsEndpoint: config.endpoints.gameliftstreams, s3Endpoint: config.endpoints.s3,
            addressingStyle: S3AddressingStyle(rawValue: config.endpoints.s3AddressingStyle))
        let settings: AWSSettings
        do {
            settings = try AWSSettings.resolve(commandLine, environment: environment, file: file)
        } catch {
            throw ConfigError(file: configFile, keyPath: "endpoints.s3", message: error.message)
        }
        do {
            _ = try GameLiftStreamsClient.endpoint(override: settings.gameLiftStreamsEndpoint, region: settings.region)
        } catch {
            throw ConfigError(file: configFile, keyPath: "endpoints.gameliftstreams", message: error.message)
        }
        if config.index.mode == .listing, !config.index.extract.isEmpty {
            throw ConfigError(file: configFile, keyPath: "index.extract",
                              message: "nothing can be extracted in listing mode (index.mode \"listing\" downloads no archive)")
        }
        let scopes: [SessionListingScope]
        switch config.source.streamGroups {
        case .all: scopes = [.account]
        case .groups(let groups): scopes = groups.map { .streamGroup($0) }
        }
        var plan = RunPlan(settings: settings, scopes: scopes)
        plan.status = config.source.status
        plan.exportFilesStatus = config.source.exportFilesStatus
        plan.includeFailedExports = config.source.includeFailedExports
        plan.requestsPerSecond = config.source.requestsPerSecond
        plan.concurrency = config.download.concurrency
        plan.outputDirectory = config.output.dir
        plan.reportFormats = config.output.reports
        plan.upload = UploadSettings(multipartThresholdBytes: UInt64(config.output.multipartThresholdBytes),
                                     signing: config.output.payloadSigning == "signed" ? .signed : .unsignedOverTLS)
        var collect = CollectSettings()
        collect.presigned = config.download.via == .presigned
        collect.presignExpiresSeconds = config.download.presignExpiresSeconds
        collect.keepArchives = config.download.keepArchives
        collect.maxAttempts = config.download.maxAttempts
        collect.stallTimeoutSeconds = config.download.stallTimeoutSeconds
        var index = IndexOptions()
        index.sha256 = config.index.sha256
        index.maxEntries = UInt64(config.index.maxEntries)
        index.maxUncompressedBytes = config.index.maxUncompressedBytes
        index.maxCompressionRatio = config.index.maxCompressionRatio
        collect.index = index
        collect.extract = config.index.extract
        collect.listingOnly = config.index.mode == .listing
        collect.singlePass = config.index.singlePass
        collect.createdAfter = config.source.createdAfterEpochSeconds.flatMap(APITimestamp.init(epochSeconds:))
        plan.collect = collect
        return plan
    }
}
