import OrderedJSON

/// The `source`, `download`, `index` and `output` sections. Each starts from
/// the defaults and replaces only what the file sets and what is valid, so
/// the rest of the document is still checked after a problem.
extension PipelineConfig {
    static let sourceKeys = ["streamGroups", "status", "exportFilesStatus", "includeFailedExports", "createdAfter", "requestsPerSecond"]

    /// `nil` unless `streamGroups` is present and valid (problems reported).
    static func readSource(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Source? {
        var groups: StreamGroups?
        var sawGroups = false
        var source = Source(streamGroups: .all)
        let isObject = reader.members(of: value, at: path, known: sourceKeys) { key, value, path in
            switch key {
            case "streamGroups":
                sawGroups = true
                groups = readStreamGroups(value, at: path, reader)
            case "status":
                if let status = reader.orNull(value, { reader.choice($0, at: path, among: Source.statuses) }) { source.status = status }
            case "exportFilesStatus":
                if let status = reader.choice(value, at: path, among: Source.exportFilesStatuses) { source.exportFilesStatus = status }
            case "includeFailedExports":
                if let flag = reader.bool(value, at: path) { source.includeFailedExports = flag }
            case "createdAfter":
                if let instant = reader.orNull(value, { readInstant($0, at: path, reader) }) {
                    source.createdAfter = instant?.text
                    source.createdAfterEpochSeconds = instant?.seconds
                }
            case "requestsPerSecond":
                if let rate = reader.number(value, at: path, minimum: 0, inclusive: false) { source.requestsPerSecond = rate }
            default: break
            }
        }
        if isObject, !sawGroups {
            reader.report(KeyPath.member(path, "streamGroups"), #"required key is missing ("all" or a list of stream group ids or ARNs)"#)
        }
        guard let groups else { return nil }
        source.streamGroups = groups
        return source
    }

    private static func readStreamGroups(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> StreamGroups? {
        let expected = #"expected "all" or a list of stream group ids or ARNs"#
        switch value {
        case .string("all"):
            return .all
        case .string(let text):
            let hint = ConfigFormats.isStreamGroup(text) ? " (a single stream group goes in a list: [\(value.shownInMessage)])" : ""
            reader.report(path, "\(expected), found \(value.shownInMessage)\(hint)")
            return nil
        case .array(let items):
            guard !items.isEmpty else {
                reader.report(path, #"must list at least one stream group (or be "all")"#)
                return nil
            }
            var firstSeen: [String: Int] = [:]
            var groups: [String] = []
            groups.reserveCapacity(items.count)
            for (position, item) in items.enumerated() {
                let itemPath = KeyPath.element(path, position)
                guard case .string(let id) = item, ConfigFormats.isStreamGroup(id) else {
                    reader.report(itemPath, "expected a stream group id or ARN, found \(item.shownInMessage)")
                    continue
                }
                if let earlier = firstSeen[id] {
                    reader.report(itemPath, "duplicate of \(KeyPath.element(path, earlier))")
                    continue
                }
                firstSeen[id] = position
                groups.append(id)
            }
            return groups.count == items.count ? .groups(groups) : nil
        default:
            reader.report(path, "\(expected), found \(value.shownInMessage)")
            return nil
        }
    }

    private static func readInstant(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> (text: String, seconds: Double)? {
        guard let text = reader.string(value, at: path) else { return nil }
        switch ISO8601Instant.parse(text) {
        case .instant(let seconds):
            return (text, seconds)
        case .missingZone:
            reader.report(path, "needs a time zone: end it with Z (UTC) or an offset like +02:00, found \(value.shownInMessage)")
        case .invalid:
            reader.report(path, "expected an ISO 8601 date-time with Z or an offset (2026-11-28T21:04:05Z) or a date (2026-11-28), found \(value.shownInMessage)")
        }
        return nil
    }

    static func readDownload(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Download {
        var download = Download()
        let keys = ["concurrency", "via", "presignExpiresSeconds", "keepArchives", "maxAttempts", "stallTimeoutSeconds"]
        reader.members(of: value, at: path, known: keys) { key, value, path in
            switch key {
            case "concurrency":
                if let count = reader.integer(value, at: path, in: Download.concurrencyRange) { download.concurrency = count }
            case "via":
                if let via = reader.choice(value, at: path, among: DownloadVia.allCases.map(\.rawValue)).flatMap(DownloadVia.init) {
                    download.via = via
                }
            case "presignExpiresSeconds":
                if let seconds = reader.integer(value, at: path, in: Download.presignExpiresRange) { download.presignExpiresSeconds = seconds }
            case "keepArchives":
                if let flag = reader.bool(value, at: path) { download.keepArchives = flag }
            case "maxAttempts":
                if let attempts = reader.integer(value, at: path, in: Download.maxAttemptsRange) { download.maxAttempts = attempts }
            case "stallTimeoutSeconds":
                if let seconds = reader.integer(value, at: path, in: Download.stallTimeoutRange) { download.stallTimeoutSeconds = seconds }
            default: break
            }
        }
        return download
    }

    static func readIndex(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Index {
        var index = Index()
        let keys = ["mode", "sha256", "singlePass", "extract", "maxEntries", "maxUncompressedBytes", "maxCompressionRatio"]
        reader.members(of: value, at: path, known: keys) { key, value, path in
            switch key {
            case "mode":
                if let mode = reader.choice(value, at: path, among: IndexMode.allCases.map(\.rawValue)).flatMap(IndexMode.init) {
                    index.mode = mode
                }
            case "sha256":
                if let flag = reader.bool(value, at: path) { index.sha256 = flag }
            case "singlePass":
                if let flag = reader.bool(value, at: path) { index.singlePass = flag }
            case "extract":
                if let globs = readGlobs(value, at: path, reader) { index.extract = globs }
            case "maxEntries":
                if let count = reader.integer(value, at: path, in: 1 ... Int.max) { index.maxEntries = count }
            case "maxUncompressedBytes":
                if let bytes = reader.unsignedInteger(value, at: path, atLeast: 1) { index.maxUncompressedBytes = bytes }
            case "maxCompressionRatio":
                if let ratio = reader.number(value, at: path, minimum: 1, inclusive: true) { index.maxCompressionRatio = ratio }
            default: break
            }
        }
        return index
    }

    private static func readGlobs(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> [String]? {
        guard case .array(let items) = value else {
            reader.report(path, "expected a list of glob patterns, found \(value.shownInMessage)")
            return nil
        }
        var globs: [String] = []
        for (position, item) in items.enumerated() {
            let itemPath = KeyPath.element(path, position)
            if let glob = reader.nonEmptyString(item, at: itemPath, emptyMessage: "must not be an empty pattern") { globs.append(glob) }
        }
        return globs.count == items.count ? globs : nil
    }

    static func readOutput(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Output {
        var output = Output()
        reader.members(of: value, at: path, known: ["dir", "reports", "multipartThresholdBytes", "payloadSigning"]) { key, value, path in
            switch key {
            case "dir":
                if let dir = readOutputDir(value, at: path, reader) { output.dir = dir }
            case "reports":
                if let reports = readReports(value, at: path, reader) { output.reports = reports }
            case "multipartThresholdBytes":
                if let bytes = reader.integer(value, at: path, in: Output.multipartThresholdRange) { output.multipartThresholdBytes = bytes }
            case "payloadSigning":
                if let choice = reader.choice(value, at: path, among: Output.payloadSigningChoices) { output.payloadSigning = choice }
            default: break
            }
        }
        return output
    }

    private static func readOutputDir(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> String? {
        guard let dir = reader.nonEmptyString(value, at: path, emptyMessage: "must not be empty") else { return nil }
        if let problem = S3OutputLocation.problem(dir) {
            reader.report(path, problem)
            return nil
        }
        if dir.utf8.contains(0) {
            reader.report(path, "must not contain a NUL character")
            return nil
        }
        return dir
    }

    private static func readReports(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> [String]? {
        guard case .array(let items) = value else {
            reader.report(path, "expected a list of report kinds (\(Suggestion.list(Output.reportKinds))), found \(value.shownInMessage)")
            return nil
        }
        var reports: [String] = []
        var firstSeen: [String: Int] = [:]
        for (position, item) in items.enumerated() {
            let itemPath = KeyPath.element(path, position)
            guard let kind = reader.choice(item, at: itemPath, among: Output.reportKinds) else { continue }
            if let earlier = firstSeen[kind] {
                reader.report(itemPath, "duplicate of \(KeyPath.element(path, earlier))")
                continue
            }
            firstSeen[kind] = position
            reports.append(kind)
        }
        return reports.count == items.count ? reports : nil
    }
}
