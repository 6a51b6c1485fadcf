/// The parts of a GameLift Streams ARN:
/// `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/ABC123def4567`
/// or `arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/sg-1AB2C3De4`.
package struct GameLiftStreamsARN: Sendable, Equatable {
    package var partition: String
    package var region: String
    package var account: String
    /// `streamsession`, `streamgroup`, `application`, …
    package var resourceType: String
    /// For a session, its stream group's id; `nil` for a stream group.
    package var parentID: String?
    /// The last component: the session's or the group's id.
    package var resourceID: String

    /// `nil` for anything that is not an ARN of this shape.
    package init?(parsing text: String) {
        let fields = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn", !fields[1].isEmpty, fields[2] == "gameliftstreams" else { return nil }
        let resource = fields[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count >= 2, resource.allSatisfy({ !$0.isEmpty }) else { return nil }
        partition = String(fields[1])
        region = String(fields[3])
        account = String(fields[4])
        resourceType = String(resource[0])
        parentID = resource.count > 2 ? String(resource[resource.count - 2]) : nil
        resourceID = String(resource[resource.count - 1])
    }
}
