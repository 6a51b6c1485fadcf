import AWSCredentials
import Foundation
import GameLiftStreams
import HTTPTransport
import Logging
import OrderedJSON
import S3

/// What `run` does, resolved from `pipeline.json`, the environment and the
/// command line.
package struct RunPlan: Sendable {
    package var settings: AWSSettings
    package var scopes: [SessionListingScope]
    package var status: String?
    package var exportFilesStatus = "SUCCEEDED"
    package var includeFailedExports = false
    package var requestsPerSecond = 20.0
    /// Requests the rate limiter lets through back to back (shared out by `restrict(to:)`).
    package var requestBurst = 5.0
    package var concurrency = 4
    package var collect = CollectSettings()
    package var outputDirectory = "collected"
    package var reportFormats: [String] = ["html", "markdown", "csv", "jsonl"]
    package var json = false
    package var progress = true
    /// `--shard I/N`: only this shard's sessions are collected (`Shard`).
    package var shard: Shard?
    /// How files go up when the output is `s3://` (`output.multipartThresholdBytes`, `output.payloadSigning`).
    package var upload = UploadSettings()

    package init(settings: AWSSettings, scopes: [SessionListingScope]) {
        self.settings = settings
        self.scopes = scopes
    }
}

/// `export-collector run`: discover → resolve → fetch → index → publish as
/// one streaming pipeline. Sessions are handed to at most `concurrency`
/// workers while the listing goes on, pages fetched only as workers free up,
/// so memory stays flat however many sessions there are; downloads share
/// one curl multi handle; indexing runs beside them on other threads.
package struct RunJob: Sendable {
    package var plan: RunPlan

    package init(plan: RunPlan) {
        self.plan = plan
    }

    package struct Outcome: Sendable {
        package var status: ExitStatus
        package var errors: [String]
        package var summary: JSONValue
    }

    struct Tally {
        var listed = 0
        var collected = 0
        var unchanged = 0
        var failed = 0
        var exportFailed = 0
        var skipped = 0
        /// Listed, but another shard's to collect.
        var otherShards = 0
        var planned: [(String, String, UInt64?)] = []
        var errors: [String] = []
    }

    package func run(output emit: ([UInt8]) -> Void) async -> Outcome {
        let logger = Logger(label: "export-collector.run")
        // An s3:// output is staged in a local folder and uploaded as it is written.
        let staging: S3Staging?
        do throws(OutputError) {
            staging = try openStaging()
        } catch {
            return Outcome(status: .cannotProceed, errors: ["error: cannot use the output folder (\(plan.outputDirectory)): \(error.message)"], summary: .null)
        }
        defer { staging?.remove() }
        let folder = OutputFolder(root: staging?.root ?? plan.outputDirectory)
        if !plan.collect.dryRun {
            do throws(OutputError) {
                try folder.prepare()
                clearShardRecord(folder)
            } catch {
                return Outcome(status: .cannotProceed, errors: ["error: cannot use the output folder (\(plan.outputDirectory)): \(error.message)"], summary: .null)
            }
        }
        let http: HTTPClient
        let gameLift: GameLiftStreamsClient
        do {
            http = try HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: max(16, plan.concurrency * 2)))
            let credentials = CachedCredentials(CredentialChain.standard(
                environment: plan.settings.environment, profile: plan.settings.explicitProfile,
                region: plan.settings.region, http: http))
            gameLift = try makeGameLiftStreamsClient(plan.settings, http: http, credentials: credentials,
                                                     rateLimiter: RequestRateLimiter(requestsPerSecond: plan.requestsPerSecond, burst: plan.requestBurst),
                                                     maxAttempts: plan.collect.maxAttempts)
            let s3 = S3Client(http: http, credentials: credentials, region: plan.settings.region,
                              endpointOverride: plan.settings.s3Endpoint, addressing: plan.settings.addressing,
                              timeouts: HTTPTimeouts(stallTime: .seconds(plan.collect.stallTimeoutSeconds)))
            defer { http.shutdown() }
            return await run(gameLift: gameLift, s3: s3, folder: folder, remote: remoteOutput(staging, s3: s3), logger: logger, emit: emit)
        } catch let error as GameLiftStreamsError {
            return Outcome(status: .usage, errors: ["error: cannot start (GameLift Streams): \(error.reason)"], summary: .null)
        } catch {
            return Outcome(status: .cannotProceed, errors: ["error: cannot start the transport: \(error)"], summary: .null)
        }
    }

    private func run(gameLift: GameLiftStreamsClient, s3: S3Client, folder: OutputFolder, remote: S3RunOutput?, logger: Logger,
                     emit: ([UInt8]) -> Void) async -> Outcome {
        if let remote {
            do throws(S3Error) {
                _ = try await remote.prepare(folder, clearShardRecord: plan.shard != nil && !plan.collect.dryRun)
            } catch {
                return Outcome(status: .cannotProceed, errors: ["error: cannot use the output folder (\(plan.outputDirectory)): \(error.message)"], summary: .null)
            }
        }
        let progress = RunProgress(enabled: plan.progress)
        let retryPolicy = RetryPolicy(maxAttempts: plan.collect.maxAttempts)
        let retryQuota = RetryQuota()
        let collector = SessionCollector(
            s3: s3, folder: folder, settings: plan.collect,
            resolver: ArchiveResolver(s3: s3, retry: S3Client.retryDecision(policy: retryPolicy, quota: retryQuota)),
            retryPolicy: retryPolicy, retryQuota: retryQuota, progress: progress)
        var tally = Tally()
        var listingError: String?
        var seen = Set<String>()

        var listings: [(SessionListingScope, SessionFilters)] = []
        for scope in plan.scopes {
            listings.append((scope, SessionFilters(status: plan.status, exportFilesStatus: plan.exportFilesStatus)))
            if plan.includeFailedExports, plan.exportFilesStatus != "FAILED" {
                listings.append((scope, SessionFilters(status: plan.status, exportFilesStatus: "FAILED")))
            }
        }

        await withTaskGroup(of: SessionOutcome.self) { group in
            var inFlight = 0
            func record(_ outcome: SessionOutcome) {
                switch outcome {
                case .written(let record):
                    switch record.status {
                    case .collected: tally.collected += 1
                    case .failed:
                        tally.failed += 1
                        if let error = record.error {
                            tally.errors.append("error: session \(record.sessionID) failed (\(error.stage.rawValue)): \(error.kind): \(error.message)")
                        }
                    case .exportFailed:
                        tally.exportFailed += 1
                        let reason = record.session.exportFiles?.statusReason ?? "no reason given"
                        tally.errors.append("error: session \(record.sessionID) export failed at the service: \(reason)")
                    case .skipped: tally.skipped += 1
                    }
                case .unchanged: tally.unchanged += 1
                case .planned(let id, let action, let bytes): tally.planned.append((id, action, bytes))
                case .unidentified(let what):
                    tally.failed += 1
                    tally.errors.append("error: a listed session cannot be identified (\(what)): its ARN has no session id")
                }
            }
            outer: for (scope, filters) in listings {
                let sessions = gameLift.sessions(scope, filters: filters, pagination: PaginationConfig(pageSize: GameLiftStreamsClient.maximumPageSize))
                do throws(GameLiftStreamsError) {
                    for try await session in sessions {
                        let key = session.arn ?? UUID().uuidString
                        guard seen.insert(key).inserted else { continue }
                        if let shard = plan.shard, !shard.owns(arn: session.arn) {
                            tally.otherShards += 1
                            continue
                        }
                        tally.listed += 1
                        progress.listed()
                        if inFlight >= max(1, plan.concurrency), let finished = await group.next() {
                            record(finished)
                            inFlight -= 1
                        }
                        let needsMetadata = scope == .account
                        let collectOne = { @Sendable () async -> SessionOutcome in
                            var session = session
                            if needsMetadata {
                                do throws(GameLiftStreamsError) {
                                    session = try await gameLift.completingExportMetadata(session)
                                } catch {
                                    // Without its OutputUri the session fails at resolve, and says why.
                                    guard let id = session.sessionID, SessionCollector.isSafeName(id) else {
                                        return .unidentified(session.arn ?? "(no ARN)")
                                    }
                                    var record = SessionRecord(sessionID: id, streamGroupID: session.streamGroupID,
                                                               session: session, status: .failed)
                                    record.error = StageError(.resolve, error.kind.rawValue, error.description)
                                    return collector.publish(record)
                                }
                            }
                            return await collector.collect(session)
                        }
                        group.addTask {
                            let outcome = await collectOne()
                            guard let remote else { return outcome }
                            return await remote.publish(outcome, folder: folder, collector: collector)
                        }
                        inFlight += 1
                    }
                    if sessions.repeatedToken {
                        logger.warning("the service repeated a NextToken; the listing stopped there", metadata: ["scope": "\(scope)"])
                    }
                } catch {
                    let place = [error.operation, error.subject].compactMap { $0 }.joined(separator: " ")
                    listingError = "error: cannot list stream sessions (\(place)): \(error.reason)"
                    break outer
                }
            }
            for await outcome in group { record(outcome) }
        }
        progress.stop()

        var errors = tally.errors
        if let listingError { errors.append(listingError) }
        var status: ExitStatus = listingError != nil ? .cannotProceed : (tally.failed + tally.exportFailed > 0 ? .failures : .success)

        if plan.collect.dryRun {
            emit(Array(dryRunText(tally).utf8))
            return Outcome(status: status, errors: errors, summary: .null)
        }
        var reportNote: String?
        do throws(OutputError) {
            errors += try publishReports(folder: folder)
            let root = remote.map(\.mirror.location.description) ?? folder.root + "/"
            reportNote = root + (plan.reportFormats.contains("html") ? "report.html" : "manifest.json")
        } catch {
            errors.append("error: cannot write the reports (\(folder.root)): \(error.message)")
            status = .cannotProceed
        }
        writeShardRecord(folder, tally: tally, status: status)
        if let remote, status != .cannotProceed, let problem = await remote.publishReports(folder, formats: plan.reportFormats) {
            errors.append(problem)
            status = .cannotProceed
        }
        folder.finish()
        let summary = summaryDocument(tally, seconds: progress.elapsed, status: status)
        if plan.json {
            emit(Array(summary.serialized().utf8))
        } else {
            var text = "\(tally.listed) session\(tally.listed == 1 ? "" : "s") listed: \(tally.collected) collected, \(tally.unchanged) unchanged, "
                + "\(tally.failed) failed, \(tally.exportFailed) export failed, \(tally.skipped) skipped"
            text += String(format: " in %.1f s", progress.elapsed)
            if let shard = plan.shard { text += " (shard \(shard); \(tally.otherShards) listed for other shards)" }
            text += "\n"
            if let reportNote { text += "report: \(reportNote)\n" }
            emit(Array(text.utf8))
        }
        return Outcome(status: status, errors: errors, summary: summary)
    }

    private func summaryDocument(_ tally: Tally, seconds: Double, status: ExitStatus) -> JSONValue {
        .object([
            ("outputDir", .string(plan.outputDirectory)),
            ("listed", .int(Int64(tally.listed))),
            ("collected", .int(Int64(tally.collected))),
            ("unchanged", .int(Int64(tally.unchanged))),
            ("failed", .int(Int64(tally.failed))),
            ("exportFailed", .int(Int64(tally.exportFailed))),
            ("skipped", .int(Int64(tally.skipped))),
            ("seconds", .double((seconds * 1000).rounded() / 1000)),
            ("exitCode", .int(Int64(status.rawValue))),
            ("shard", shardSummary(tally)),
        ])
    }

    private func dryRunText(_ tally: Tally) -> String {
        var text = "dry run: nothing was downloaded or written\n"
        var total: UInt64 = 0
        var toCollect = 0
        for (id, action, bytes) in tally.planned.sorted(by: { $0.0 < $1.0 }) {
            text += "\(id)  \(action)" + (bytes.map { "  \(RunProgress.bytes($0))" } ?? "") + "\n"
            if action.hasPrefix("collect") {
                toCollect += 1
                total += bytes ?? 0
            }
        }
        text += "\(toCollect) archive\(toCollect == 1 ? "" : "s") to collect, \(RunProgress.bytes(total)) in all\n"
        return text
    }
}
