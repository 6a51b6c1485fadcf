import GameLiftStreams
import HTTPTransport
import S3

/// Turns a session's `OutputUri` into one S3 object: the file form is the
/// object itself (a HeadObject gives its ETag and size); the prefix form is a
/// folder the service wrote into, listed once per run and shared by every
/// session under it, where the object whose name carries the session id is
/// the archive (the newest, when several do). The service's naming pattern is
/// not a contract, so only "the name contains the id" is relied on.
actor ArchiveResolver {
    private let s3: S3Client
    private let retry: RetryDecision
    private var listings: [S3URI: Task<[S3ObjectInfo], any Error>] = [:]

    init(s3: S3Client, retry: @escaping RetryDecision) {
        self.s3 = s3
        self.retry = retry
    }

    struct Resolved: Sendable {
        var uri: S3URI
        var object: S3ObjectInfo
    }

    func resolve(outputURI text: String?, sessionID: String) async throws(StageError) -> Resolved {
        guard let text, !text.isEmpty else {
            throw StageError(.resolve, "not_found", "the service reported no OutputUri for this export")
        }
        let uri: S3URI
        do {
            uri = try S3URI(parsing: text)
        } catch {
            throw StageError(.resolve, "invalid_uri", "OutputUri is not an s3://bucket/key URI: \(error.message)")
        }
        if uri.isPrefix {
            let objects = try await listing(uri)
            let matching = objects.filter { object in
                let name = object.key.dropFirst(uri.key.count)
                return name.contains(sessionID) && !name.hasSuffix("/")
            }
            // Newest first; among equal times the last name, so the choice is stable.
            guard let chosen = matching.max(by: { ($0.lastModified ?? "", $0.key) < ($1.lastModified ?? "", $1.key) }) else {
                throw StageError(.resolve, "not_found", "no object under \(uri) names session \(sessionID) (\(objects.count) objects listed)")
            }
            return Resolved(uri: S3URI(bucket: uri.bucket, key: chosen.key), object: chosen)
        }
        do {
            return Resolved(uri: uri, object: try await s3.headObject(uri, retry: retry))
        } catch {
            throw StageError(.resolve, error.kind.rawValue, error.message)
        }
    }

    private func listing(_ prefix: S3URI) async throws(StageError) -> [S3ObjectInfo] {
        let task: Task<[S3ObjectInfo], any Error>
        if let existing = listings[prefix] {
            task = existing
        } else {
            let s3 = self.s3
            let retry = self.retry
            task = Task {
                var objects: [S3ObjectInfo] = []
                for try await object in s3.objects(bucket: prefix.bucket, prefix: prefix.key, retry: retry) {
                    objects.append(object)
                }
                return objects
            }
            listings[prefix] = task
        }
        do {
            return try await task.value
        } catch let error as S3Error {
            throw StageError(.resolve, error.kind.rawValue, "cannot list \(prefix): \(error.message)")
        } catch {
            throw StageError(.resolve, "service", "cannot list \(prefix): \(error)")
        }
    }
}
