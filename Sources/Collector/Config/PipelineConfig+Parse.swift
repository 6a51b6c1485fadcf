import OrderedJSON

extension PipelineConfig {
    /// Reads and checks the file at `path`; problems name `path` as given.
    /// - Throws: `ConfigError` listing every problem: unreadable file, JSON
    ///   syntax (with line and column), unknown keys, wrong types, bad values.
    package static func load(path: String) throws(ConfigError) -> PipelineConfig {
        try parse(try ConfigFile.read(path: path), name: path)
    }

    /// Checks one document; `name` is the file name errors start with.
    package static func parse(_ bytes: [UInt8], name: String = "pipeline.json") throws(ConfigError) -> PipelineConfig {
        let document: JSONValue
        do throws(JSONParseError) {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(file: name, message: error.description)
        }
        let reader = ConfigReader()
        let config = read(document, reader)
        if let error = ConfigError(file: name, problems: reader.problems) { throw error }
        guard let config else {
            // Unreachable: a missing configuration always comes with a problem.
            throw ConfigError(file: name, keyPath: "source.streamGroups", message: "required key is missing")
        }
        return config
    }

    static let topLevelKeys = ["$schema", "region", "profile", "endpoints", "source", "download", "index", "output"]

    private static func read(_ document: JSONValue, _ reader: ConfigReader) -> PipelineConfig? {
        guard case .object = document else {
            reader.report(nil, "expected a JSON object at the top level, found \(document.shownInMessage)")
            return nil
        }
        var region: String?
        var profile: String?
        var endpoints = Endpoints()
        var source: Source?
        var sawSource = false
        var download = Download()
        var index = Index()
        var output = Output()
        reader.members(of: document, at: "", known: topLevelKeys) { key, value, path in
            switch key {
            case "$schema":
                // For editors only; any string will do.
                _ = reader.string(value, at: path)
            case "region":
                if let parsed = reader.orNull(value, { readRegion($0, at: path, reader) }) { region = parsed }
            case "profile":
                if let parsed = reader.orNull(value, {
                    reader.nonEmptyString($0, at: path, emptyMessage: "must not be empty (use null when not set)")
                }) { profile = parsed }
            case "endpoints": endpoints = readEndpoints(value, at: path, reader)
            case "source":
                sawSource = true
                source = readSource(value, at: path, reader)
            case "download": download = readDownload(value, at: path, reader)
            case "index": index = readIndex(value, at: path, reader)
            case "output": output = readOutput(value, at: path, reader)
            default: break // members(of:) passes only known keys
            }
        }
        if !sawSource {
            reader.report("source", #"required key is missing (it needs "streamGroups": "all" or a list of stream group ids)"#)
        }
        return source.map {
            PipelineConfig(region: region, profile: profile, endpoints: endpoints, source: $0,
                           download: download, index: index, output: output)
        }
    }

    private static func readRegion(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> String? {
        guard let text = reader.string(value, at: path) else { return nil }
        guard ConfigFormats.isRegionName(text) else {
            reader.report(path, #"expected an AWS Region name like "us-west-2", found \#(value.shownInMessage)"#)
            return nil
        }
        return text
    }

    private static func readEndpoints(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Endpoints {
        var endpoints = Endpoints()
        reader.members(of: value, at: path, known: ["gameliftstreams", "s3", "s3AddressingStyle"]) { key, value, path in
            switch key {
            case "s3AddressingStyle":
                if let style = reader.choice(value, at: path, among: Endpoints.addressingStyles) { endpoints.s3AddressingStyle = style }
            default:
                guard let url = reader.orNull(value, { readEndpointURL($0, at: path, reader) }) else { return }
                if key == "s3" { endpoints.s3 = url } else { endpoints.gameliftstreams = url }
            }
        }
        return endpoints
    }

    private static func readEndpointURL(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> String? {
        guard let text = reader.string(value, at: path) else { return nil }
        guard ConfigFormats.isEndpointURL(text) else {
            reader.report(path, "expected an http:// or https:// URL (host, optional port and path), found \(value.shownInMessage)")
            return nil
        }
        return text
    }
}
