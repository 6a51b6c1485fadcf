import OrderedJSON

/// A stream session as the list operations describe it
/// (`StreamSessionSummary`), or the same fields of `GetStreamSession`.
///
/// Every field is optional and every enum is a `String`: a value the API
/// adds later (a new status, a new reason) is kept, never a decoding
/// failure; members this model does not know are ignored, as botocore does.
/// `GetStreamSession`'s other members (launch arguments, environment
/// variables, signalling data) are deliberately not kept: they may hold
/// secrets and nothing here needs them.
package struct StreamSession: Sendable, Equatable {
    package var arn: String?
    package var userID: String?
    package var status: String?
    package var statusReason: String?
    package var protocolName: String?
    package var lastUpdatedAt: APITimestamp?
    package var createdAt: APITimestamp?
    package var applicationArn: String?
    package var exportFiles: ExportFilesMetadata?
    package var location: String?

    package init(arn: String? = nil, userID: String? = nil, status: String? = nil, statusReason: String? = nil,
                 protocolName: String? = nil, lastUpdatedAt: APITimestamp? = nil, createdAt: APITimestamp? = nil,
                 applicationArn: String? = nil, exportFiles: ExportFilesMetadata? = nil, location: String? = nil) {
        self.arn = arn
        self.userID = userID
        self.status = status
        self.statusReason = statusReason
        self.protocolName = protocolName
        self.lastUpdatedAt = lastUpdatedAt
        self.createdAt = createdAt
        self.applicationArn = applicationArn
        self.exportFiles = exportFiles
        self.location = location
    }

    /// Reads an item of `Items` (or a `GetStreamSession` body).
    package init(json: JSONValue) {
        arn = json["Arn"]?.stringValue
        userID = json["UserId"]?.stringValue
        status = json["Status"]?.stringValue
        statusReason = json["StatusReason"]?.stringValue
        protocolName = json["Protocol"]?.stringValue
        lastUpdatedAt = json["LastUpdatedAt"].flatMap(APITimestamp.init(json:))
        createdAt = json["CreatedAt"].flatMap(APITimestamp.init(json:))
        applicationArn = json["ApplicationArn"]?.stringValue
        exportFiles = json["ExportFilesMetadata"].flatMap { $0.objectMembers == nil ? nil : ExportFilesMetadata(json: $0) }
        location = json["Location"]?.stringValue
    }

    /// The session's id, the last component of its ARN
    /// (`arn:…:streamsession/sg-1AB2C3De4/ABC123def4567` → `ABC123def4567`).
    package var sessionID: String? { arn.flatMap { GameLiftStreamsARN(parsing: $0)?.resourceID } }

    /// The stream group that ran the session, from its ARN.
    package var streamGroupID: String? { arn.flatMap { GameLiftStreamsARN(parsing: $0)?.parentID } }

    /// The item in the API's words and member order (the order of botocore's
    /// model, which is the order boto3 prints), timestamps as ISO 8601 UTC;
    /// absent members are left out, as the service leaves them out.
    package var json: JSONValue {
        var members: [(String, JSONValue)] = []
        func add(_ name: String, _ value: String?) { if let value { members.append((name, .string(value))) } }
        add("Arn", arn)
        add("UserId", userID)
        add("Status", status)
        add("StatusReason", statusReason)
        add("Protocol", protocolName)
        add("LastUpdatedAt", lastUpdatedAt?.iso8601)
        add("CreatedAt", createdAt?.iso8601)
        add("ApplicationArn", applicationArn)
        if let exportFiles { members.append(("ExportFilesMetadata", exportFiles.json)) }
        add("Location", location)
        return .object(members)
    }
}

/// `ExportFilesMetadata`: the state of the session's file export.
package struct ExportFilesMetadata: Sendable, Equatable {
    /// `SUCCEEDED`, `FAILED`, `PENDING`, or a value added later.
    package var status: String?
    package var statusReason: String?
    /// Where the ZIP is (`s3://bucket/key.zip`) or the prefix it went under
    /// (`s3://bucket/prefix/`). Absent from `ListStreamSessionsByAccount`.
    package var outputURI: String?

    package init(status: String? = nil, statusReason: String? = nil, outputURI: String? = nil) {
        self.status = status
        self.statusReason = statusReason
        self.outputURI = outputURI
    }

    package init(json: JSONValue) {
        status = json["Status"]?.stringValue
        statusReason = json["StatusReason"]?.stringValue
        outputURI = json["OutputUri"]?.stringValue
    }

    package var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let status { members.append(("Status", .string(status))) }
        if let statusReason { members.append(("StatusReason", .string(statusReason))) }
        if let outputURI { members.append(("OutputUri", .string(outputURI))) }
        return .object(members)
    }
}

/// A stream group as `ListStreamGroups` describes it (the members this tool uses).
package struct StreamGroup: Sendable, Equatable {
    package var arn: String?
    package var id: String?
    package var description: String?
    package var status: String?
    package var createdAt: APITimestamp?
    package var lastUpdatedAt: APITimestamp?

    package init(json: JSONValue) {
        arn = json["Arn"]?.stringValue
        id = json["Id"]?.stringValue
        description = json["Description"]?.stringValue
        status = json["Status"]?.stringValue
        createdAt = json["CreatedAt"].flatMap(APITimestamp.init(json:))
        lastUpdatedAt = json["LastUpdatedAt"].flatMap(APITimestamp.init(json:))
    }
}

/// The values the API model lists for the filters; the service may add
/// more, so responses keep any string, but what a user types is checked.
package enum StreamSessionFilterValues {
    package static let status = ["ACTIVATING", "ACTIVE", "CONNECTED", "PENDING_CLIENT_RECONNECTION", "RECONNECTING",
                                 "TERMINATING", "TERMINATED", "ERROR"]
    package static let exportFilesStatus = ["SUCCEEDED", "FAILED", "PENDING"]
}
