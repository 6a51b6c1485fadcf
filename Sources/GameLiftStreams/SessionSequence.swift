import Locking

/// The sessions of one listing as an `AsyncSequence`, following botocore's
/// `PageIterator` step for step so that `MaxItems`, `PageSize` and
/// `StartingToken` give the same items and the same resume token as boto3:
///
/// - a starting token names the page to request and how many of its items
///   were already returned (those are skipped, on the first page only);
/// - when `MaxItems` ends inside a page, the resume token is that page's
///   request token plus the number of its items returned so far;
/// - when it ends on a page boundary, the resume token is the next page's;
/// - the listing ends on an absent or empty `NextToken`, and also on a token
///   equal to the previous one (boto3 raises there; a batch job stops and
///   says so through ``repeatedToken``).
///
/// Pages are requested one at a time, as the items are consumed.
package struct SessionSequence: AsyncSequence, Sendable {
    package typealias Element = StreamSession

    let client: GameLiftStreamsClient
    let scope: SessionListingScope
    let filters: SessionFilters
    let pagination: PaginationConfig
    private let outcome = Outcome()

    init(client: GameLiftStreamsClient, scope: SessionListingScope, filters: SessionFilters, pagination: PaginationConfig) {
        self.client = client
        self.scope = scope
        self.filters = filters
        self.pagination = pagination
    }

    /// What boto3's `build_full_result()` puts under `NextToken`, once the
    /// iteration has ended; `nil` when the listing was walked to its end.
    package var resumeToken: String? { outcome.state.withLock { $0.resumeToken } }

    /// Whether the service repeated a `NextToken` (the walk stopped there).
    package var repeatedToken: Bool { outcome.state.withLock { $0.repeatedToken } }

    /// Pages requested so far.
    package var pagesRequested: Int { outcome.state.withLock { $0.pages } }

    final class Outcome: Sendable {
        struct State {
            var resumeToken: String?
            var repeatedToken = false
            var pages = 0
        }

        let state = Lock(State())
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: SessionSequence
        private var buffer: [StreamSession] = []
        private var bufferIndex = 0
        private var finished = false
        private var started = false
        /// The service token of the page to request next (`nil`: the first page).
        private var requestToken: String?
        private var previousNextToken: String?
        private var startingTruncation = 0
        private var total = 0

        init(sequence: SessionSequence) {
            self.sequence = sequence
        }

        package mutating func next() async throws(GameLiftStreamsError) -> StreamSession? {
            while bufferIndex >= buffer.count {
                guard !finished else { return nil }
                try await fetchPage()
            }
            defer { bufferIndex += 1 }
            return buffer[bufferIndex]
        }

        package mutating func next(isolation actor: isolated (any Actor)?) async throws(GameLiftStreamsError) -> StreamSession? {
            try await next()
        }

        private mutating func fetchPage() async throws(GameLiftStreamsError) {
            let pagination = sequence.pagination
            let first = !started
            if first {
                started = true
                if let starting = pagination.startingToken {
                    let token = PaginationToken(decoding: starting)
                    requestToken = token.serviceToken
                    startingTruncation = Swift.max(0, token.truncateAmount ?? 0)
                }
                if let maxItems = pagination.maxItems, maxItems <= 0 {
                    finished = true
                    return
                }
            }
            let page = try await sequence.client.listSessionsPage(sequence.scope, filters: sequence.filters,
                                                                  pageSize: pagination.pageSize, nextToken: requestToken)
            sequence.outcome.state.withLock { $0.pages += 1 }
            var items = page.items
            if first, pagination.startingToken != nil {
                items = Array(items.dropFirst(startingTruncation))
            } else {
                startingTruncation = 0
            }
            buffer = items
            bufferIndex = 0
            if let maxItems = pagination.maxItems, total + items.count > maxItems {
                let keep = maxItems - total
                buffer = Array(items.prefix(keep))
                let resume = PaginationToken(serviceToken: requestToken, truncateAmount: keep + startingTruncation)
                finish(resume: resume.encoded)
                return
            }
            total += items.count
            guard let next = page.nextToken else {
                finish(resume: nil)
                return
            }
            if let maxItems = pagination.maxItems, total == maxItems {
                finish(resume: PaginationToken(serviceToken: next).encoded)
                return
            }
            if let previousNextToken, previousNextToken == next {
                finished = true
                sequence.outcome.state.withLock { $0.repeatedToken = true }
                return
            }
            requestToken = next
            previousNextToken = next
        }

        private mutating func finish(resume: String?) {
            finished = true
            sequence.outcome.state.withLock { $0.resumeToken = resume }
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }
}
