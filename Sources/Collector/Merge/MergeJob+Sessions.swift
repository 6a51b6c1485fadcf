import OrderedJSON

#if canImport(Glibc)
import Glibc
#endif

extension MergeJob {
    /// Reads one input manifest: it must be reportable (`ReportJob.problem`)
    /// and its `sessionId` usable as a file name, since it names the target's files.
    static func candidate(path: String, input: String) throws(Malformed) -> Candidate {
        let bytes: [UInt8]
        do throws(ReportJob.FileError) {
            bytes = try ReportJob.readFile(path)
        } catch {
            throw Malformed(reason: error.description)
        }
        let manifest: JSONValue
        do throws(JSONParseError) {
            manifest = try JSONParser.parse(bytes)
        } catch {
            throw Malformed(reason: "not valid JSON: \(error)")
        }
        if let problem = ReportJob.problem(in: manifest) { throw Malformed(reason: problem) }
        let id = manifest["sessionId"]?.stringValue ?? ""
        guard SessionCollector.isSafeName(id) else {
            throw Malformed(reason: "sessionId \"\(ReportText.visible(id))\" cannot name a file (letters, digits, '-', '_', '.')")
        }
        let collectedAt = manifest["collectedAt"]?.stringValue
        return Candidate(input: input, path: path, sessionID: id, collectedAt: collectedAt,
                         collectedSeconds: collectedAt.flatMap(seconds) ?? -.infinity)
    }

    private static func seconds(_ text: String) -> Double? {
        var text = text
        let outcome = text.withUTF8 { ISO8601Instant.parse($0, lenient: true) }
        if case .instant(let value) = outcome { return value }
        return nil
    }

    /// Makes the target's files of one session equal to the candidate's.
    /// When the target already holds this very manifest (a merge done
    /// before), its archive and files are taken as placed: the manifest is
    /// written last, so it is there only if they are.
    /// - Returns: whether the manifest was written (`false`: already there).
    static func place(_ candidate: Candidate, in folder: OutputFolder, files: inout MergeFiles) throws(OutputError) -> Bool {
        let bytes: [UInt8]
        do throws(ReportJob.FileError) {
            bytes = try ReportJob.readFile(candidate.path)
        } catch {
            throw OutputError(message: "cannot read \(candidate.path): \(error.description)")
        }
        let id = candidate.sessionID
        let manifestPath = folder.sessionManifestPath(id)
        let same = (try? ReportJob.readFile(manifestPath)) == bytes

        let archive = candidate.input + "/archives/\(id).zip"
        if let size = MergeFiles.fileSize(archive) {
            if !(same && MergeFiles.fileSize(folder.archivePath(id)) == size) {
                try files.place(file: archive, at: folder.archivePath(id))
            }
        } else {
            files.removeTree(folder.archivePath(id))
        }

        let extracted = candidate.input + "/files/\(id)"
        if MergeFiles.isDirectory(extracted) {
            if !(same && MergeFiles.isDirectory(folder.filesPath(id))) {
                if !MergeFiles.isDirectory(folder.filesFolder), mkdir(folder.filesFolder, 0o755) != 0 {
                    throw OutputError(message: "cannot create \(folder.filesFolder): \(systemError())")
                }
                try files.place(folder: extracted, at: folder.filesPath(id), name: id)
            }
        } else {
            files.removeTree(folder.filesPath(id))
        }

        if same { return false }
        try OutputFolder.writeAtomically(bytes, to: manifestPath)
        return true
    }
}
