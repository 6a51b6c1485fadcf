extension RunJob {
    /// The run manifest and the reports, rebuilt from every session manifest
    /// in the folder (this run's and earlier runs'), as `report DIR` does.
    /// - Returns: warnings (a session manifest that could not be read), one line each.
    func publishReports(folder: OutputFolder) throws(OutputError) -> [String] {
        let formats = Set(plan.reportFormats.compactMap(ReportFormat.init(rawValue:)))
        let outcome = ReportJob(directory: folder.root, formats: formats, json: false).run { _ in }
        if outcome.status == .cannotProceed {
            throw OutputError(message: outcome.messages.joined(separator: "; "))
        }
        return outcome.messages
    }
}
