extension RunJob {
    /// The run manifest and the reports, rebuilt from every session manifest
    /// in the folder (this run's and earlier runs'), as `report DIR` does.
    func publishReports(folder: OutputFolder) throws(OutputError) {
        let formats = Set(plan.reportFormats.compactMap(ReportFormat.init(rawValue:)))
        let outcome = ReportJob(directory: folder.root, formats: formats, json: false).run { _ in }
        if outcome.status == .cannotProceed {
            throw OutputError(message: outcome.messages.joined(separator: "; "))
        }
    }
}
