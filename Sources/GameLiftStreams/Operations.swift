import OrderedJSON

/// Which sessions a listing covers.
package enum SessionListingScope: Sendable, Equatable {
    /// `ListStreamSessions` of one stream group (id or ARN).
    case streamGroup(String)
    /// `ListStreamSessionsByAccount`: every group; items carry only
    /// `ExportFilesMetadata.Status`, not the `OutputUri`.
    case account
}

/// The list filters (`Status`, `ExportFilesStatus`).
package struct SessionFilters: Sendable, Equatable {
    package var status: String?
    package var exportFilesStatus: String?

    package init(status: String? = nil, exportFilesStatus: String? = nil) {
        self.status = status
        self.exportFilesStatus = exportFilesStatus
    }
}

/// One page of a listing.
package struct ListPage<Item: Sendable>: Sendable {
    package var items: [Item]
    /// The service's `NextToken`; `nil` (or empty) on the last page.
    package var nextToken: String?
}

extension GameLiftStreamsClient {
    /// The largest `MaxResults` the API accepts.
    package static let maximumPageSize = 100

    /// One page of `ListStreamSessions` or `ListStreamSessionsByAccount`.
    package func listSessionsPage(_ scope: SessionListingScope, filters: SessionFilters = .init(), pageSize: Int? = nil,
                                  nextToken: String? = nil) async throws(GameLiftStreamsError) -> ListPage<StreamSession> {
        let operation: String
        let path: String
        let subject: String?
        switch scope {
        case .streamGroup(let identifier):
            operation = "ListStreamSessions"
            path = "/streamgroups/\(try Self.pathSegment(identifier, operation: operation, what: "the stream group"))/streamsessions"
            subject = identifier
        case .account:
            operation = "ListStreamSessionsByAccount"
            path = "/streamsessions"
            subject = nil
        }
        var query: [(String, String)] = []
        if let status = filters.status { query.append(("Status", status)) }
        if let exportFilesStatus = filters.exportFilesStatus { query.append(("ExportFilesStatus", exportFilesStatus)) }
        if let nextToken { query.append(("NextToken", nextToken)) }
        if let pageSize { query.append(("MaxResults", String(pageSize))) }
        let document = try await send(operation: operation, path: path, query: query, subject: subject)
        return try Self.page(document, operation: operation, subject: subject, item: StreamSession.init(json:))
    }

    /// One page of `ListStreamGroups`.
    package func listStreamGroupsPage(pageSize: Int? = nil, nextToken: String? = nil) async throws(GameLiftStreamsError) -> ListPage<StreamGroup> {
        var query: [(String, String)] = []
        if let nextToken { query.append(("NextToken", nextToken)) }
        if let pageSize { query.append(("MaxResults", String(pageSize))) }
        let document = try await send(operation: "ListStreamGroups", path: "/streamgroups", query: query)
        return try Self.page(document, operation: "ListStreamGroups", subject: nil, item: StreamGroup.init(json:))
    }

    /// `GetStreamSession`: the session's summary fields, `OutputUri` included.
    package func streamSession(streamGroup: String, session: String) async throws(GameLiftStreamsError) -> StreamSession {
        let operation = "GetStreamSession"
        let path = "/streamgroups/\(try Self.pathSegment(streamGroup, operation: operation, what: "the stream group"))"
            + "/streamsessions/\(try Self.pathSegment(session, operation: operation, what: "the session"))"
        let document = try await send(operation: operation, path: path, subject: "\(streamGroup)/\(session)")
        return StreamSession(json: document)
    }

    /// Every stream group of the account and region.
    package func streamGroups() async throws(GameLiftStreamsError) -> [StreamGroup] {
        var groups: [StreamGroup] = []
        var token: String?
        repeat {
            let previous = token
            let page = try await listStreamGroupsPage(pageSize: Self.maximumPageSize, nextToken: token)
            groups += page.items
            token = page.nextToken.flatMap { $0.isEmpty || $0 == previous ? nil : $0 }
        } while token != nil
        return groups
    }

    /// Sessions of `scope` with boto3's `PaginationConfig` semantics, pages
    /// fetched as they are consumed. After the loop, ``SessionSequence/resumeToken``
    /// holds the `NextToken` boto3 would return.
    package func sessions(_ scope: SessionListingScope, filters: SessionFilters = .init(),
                          pagination: PaginationConfig = .init()) -> SessionSequence {
        SessionSequence(client: self, scope: scope, filters: filters, pagination: pagination)
    }

    /// Fills in `ExportFilesMetadata` (`OutputUri`, `StatusReason`) with
    /// `GetStreamSession` for a session listed by account, which carries only
    /// the export status. Sessions that already have an `OutputUri`, or no
    /// export at all, are returned as they are.
    package func completingExportMetadata(_ session: StreamSession) async throws(GameLiftStreamsError) -> StreamSession {
        guard let export = session.exportFiles, export.outputURI == nil, export.status != nil, export.status != "PENDING" else {
            return session
        }
        guard let arn = session.arn, let parsed = GameLiftStreamsARN(parsing: arn), let group = parsed.parentID else {
            throw GameLiftStreamsError(.invalidResponse, operation: "GetStreamSession", subject: session.arn,
                                       message: "the session's ARN does not name its stream group")
        }
        let full = try await streamSession(streamGroup: group, session: parsed.resourceID)
        var completed = session
        completed.exportFiles = full.exportFiles ?? export
        return completed
    }

    /// ``completingExportMetadata(_:)`` for many sessions, at most
    /// `concurrency` calls in flight (the rate limiter still paces them),
    /// results in the order given.
    package func completingExportMetadata(_ sessions: [StreamSession], concurrency: Int = 8) async
        -> [Result<StreamSession, GameLiftStreamsError>] {
        var results = [Result<StreamSession, GameLiftStreamsError>?](repeating: nil, count: sessions.count)
        await withTaskGroup(of: (Int, Result<StreamSession, GameLiftStreamsError>).self) { group in
            var next = 0
            func start() {
                let index = next
                let session = sessions[index]
                next += 1
                group.addTask {
                    do throws(GameLiftStreamsError) {
                        return (index, .success(try await self.completingExportMetadata(session)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < sessions.count, next < max(1, concurrency) { start() }
            for await (index, result) in group {
                results[index] = result
                if next < sessions.count { start() }
            }
        }
        return results.map { $0 ?? .failure(GameLiftStreamsError(.service, operation: "GetStreamSession", message: "not attempted")) }
    }

    static func page<Item>(_ document: JSONValue, operation: String, subject: String?,
                           item: (JSONValue) -> Item) throws(GameLiftStreamsError) -> ListPage<Item> {
        var items: [Item] = []
        switch document["Items"] {
        case nil, .null?: break
        case .array(let values)?: items = values.filter { $0.objectMembers != nil }.map(item)
        case let other?:
            throw GameLiftStreamsError(.invalidResponse, operation: operation, subject: subject,
                                       message: "Items is \(other.typeName), not a list")
        }
        let token = document["NextToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return ListPage(items: items, nextToken: token)
    }
}
