import AWSCredentials
import GameLiftStreams
import HTTPTransport
import Logging
import OrderedJSON

/// `export-collector list`: stage 1 alone. Prints what the service returned,
/// as boto3's paginator would (`--json`), or as a table for people.
package struct ListJob: Sendable {
    package var scopes: [SessionListingScope]
    package var filters: SessionFilters
    package var pagination: PaginationConfig
    package var json: Bool
    package var settings: AWSSettings
    package var requestsPerSecond: Double
    package var maxAttempts: Int

    package init(scopes: [SessionListingScope], filters: SessionFilters, pagination: PaginationConfig, json: Bool,
                 settings: AWSSettings, requestsPerSecond: Double = 20, maxAttempts: Int = 5) {
        self.scopes = scopes
        self.filters = filters
        self.pagination = pagination
        self.json = json
        self.settings = settings
        self.requestsPerSecond = requestsPerSecond
        self.maxAttempts = maxAttempts
    }

    package struct Outcome: Sendable {
        package var items: Int
        package var resumeToken: String?
        package var errors: [String]
        package var status: ExitStatus
    }

    /// Lists every scope in order; the output is written only when the whole
    /// listing succeeded, so a failed run never leaves half a document.
    package func run(output emit: ([UInt8]) -> Void) async -> Outcome {
        let logger = Logger(label: "export-collector.list")
        let client: GameLiftStreamsClient
        do {
            client = try makeGameLiftStreamsClient(settings, requestsPerSecond: requestsPerSecond, maxAttempts: maxAttempts)
        } catch {
            return Outcome(items: 0, resumeToken: nil, errors: ["error: cannot start (GameLift Streams): \(error.reason)"], status: .usage)
        }
        defer { client.http.shutdown() }
        var sessions: [StreamSession] = []
        var resumeToken: String?
        for scope in scopes {
            let sequence = client.sessions(scope, filters: filters, pagination: pagination)
            do throws(GameLiftStreamsError) {
                for try await session in sequence { sessions.append(session) }
            } catch {
                let place = [error.operation, error.subject].compactMap { $0 }.joined(separator: " ")
                if let detail = error.detail { logger.debug("the service said more", metadata: ["detail": "\(detail)"]) }
                return Outcome(items: sessions.count, resumeToken: nil,
                               errors: ["error: cannot list stream sessions (\(place)): \(error.reason)"],
                               status: error.kind == .invalidArgument ? .usage : .cannotProceed)
            }
            if sequence.repeatedToken {
                logger.warning("the service repeated a NextToken; the listing stopped there", metadata: ["scope": "\(scope)"])
            }
            resumeToken = sequence.resumeToken
            logger.debug("listed", metadata: ["scope": "\(scope)", "pages": "\(sequence.pagesRequested)"])
        }
        emit(json ? Self.document(sessions, resumeToken: resumeToken) : Array(Self.table(sessions, resumeToken: resumeToken).utf8))
        return Outcome(items: sessions.count, resumeToken: resumeToken, errors: [], status: .success)
    }

    /// `{"Items": [...], "NextToken": "..."}`, written item by item.
    static func document(_ sessions: [StreamSession], resumeToken: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(sessions.count * 600 + 64)
        out.append(contentsOf: "{\n  \"Items\": [".utf8)
        for (index, session) in sessions.enumerated() {
            out.append(contentsOf: (index == 0 ? "\n    " : ",\n    ").utf8)
            session.json.write(into: &out, pretty: true, depth: 2)
        }
        out.append(contentsOf: (sessions.isEmpty ? "]" : "\n  ]").utf8)
        if let resumeToken {
            out.append(contentsOf: ",\n  \"NextToken\": ".utf8)
            JSONValue.writeString(resumeToken, into: &out)
        }
        out.append(contentsOf: "\n}\n".utf8)
        return out
    }

    /// A table a person can scan: one row per session, the export's state and
    /// where its files are (or why they are missing).
    static func table(_ sessions: [StreamSession], resumeToken: String?) -> String {
        let header = ["SESSION", "STREAM GROUP", "STATUS", "CREATED", "EXPORT", "OUTPUT / REASON"]
        let rows = sessions.map { session -> [String] in
            let export = session.exportFiles
            return [
                session.sessionID ?? session.arn ?? "-",
                session.streamGroupID ?? "-",
                session.status ?? "-",
                session.createdAt?.iso8601 ?? "-",
                export?.status ?? "-",
                export?.outputURI ?? export?.statusReason ?? "",
            ]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        var text = line(header)
        for row in rows { text += line(row) }
        text += "\(sessions.count) session\(sessions.count == 1 ? "" : "s")"
        if let resumeToken { text += "; more with --starting-token \(resumeToken)" }
        return text + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// The GameLift Streams client for these settings: its own libcurl client,
/// the credential chain, the endpoint resolved as CONTRACTS.md orders it.
package func makeGameLiftStreamsClient(_ settings: AWSSettings, requestsPerSecond: Double, maxAttempts: Int) throws(GameLiftStreamsError) -> GameLiftStreamsClient {
    let http: HTTPClient
    do {
        http = try HTTPClient()
    } catch {
        throw GameLiftStreamsError(.transport, operation: "setup", code: error.kind.rawValue, message: error.message)
    }
    let chain = CredentialChain.standard(environment: settings.environment, profile: settings.explicitProfile,
                                         region: settings.region, http: http)
    return try makeGameLiftStreamsClient(settings, http: http, credentials: CachedCredentials(chain),
                                         rateLimiter: RequestRateLimiter(requestsPerSecond: requestsPerSecond),
                                         maxAttempts: maxAttempts)
}

/// The GameLift Streams client on a transport and credentials the caller
/// shares with others (`run` shares them with S3).
func makeGameLiftStreamsClient(_ settings: AWSSettings, http: HTTPClient, credentials: CachedCredentials,
                               rateLimiter: RequestRateLimiter, maxAttempts: Int) throws(GameLiftStreamsError) -> GameLiftStreamsClient {
    try GameLiftStreamsClient(
        http: http, credentials: credentials, region: settings.region,
        endpointURL: settings.gameLiftStreamsEndpoint,
        rateLimiter: rateLimiter, retryPolicy: RetryPolicy(maxAttempts: maxAttempts))
}
