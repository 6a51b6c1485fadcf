/// The process exit codes of CONTRACTS.md.
package enum ExitStatus: Int32, Sendable {
    /// Everything asked for was done and verified.
    case success = 0
    /// Finished, but at least one session, archive or entry failed or was unsafe.
    case failures = 1
    /// Usage or configuration error: nothing was done.
    case usage = 2
    /// The run could not proceed (input unreadable, output not writable, ...).
    case cannotProceed = 3
}
