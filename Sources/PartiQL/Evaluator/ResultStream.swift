import Ion

/// A query over one table, read page by page instead of built whole: `SELECT
/// … FROM T [AS t] [BY id] [WHERE …] [LIMIT …] [OFFSET …]` with a table scan
/// (or over `history(T …)` or `_ql_committed_T`) and no grouping, aggregates,
/// ordering or DISTINCT — each row gives at most one result value, in scan
/// order, independent of the others. Memory is one page and a chunk of rows,
/// whatever the table's size.
///
/// Each `next` has its own budget; calls may come from different threads,
/// one at a time.
public final class ResultStream: @unchecked Sendable {
    private let ctx: EvalContext
    private let query: SelectQuery
    private let source: FromSource
    private let alias: String
    private let scan: any CatalogScan
    /// A table's rows are its documents (`BY` names their ids); a view's are not.
    private let bindsDocumentID: Bool
    private var buffer: [CatalogDocument] = []
    private var index = 0
    private var toSkip: Int
    private var remaining: Int?
    public private(set) var isFinished = false

    /// Documents read from the scan at a time.
    static let chunk = 64

    init(ctx: EvalContext, query: SelectQuery, source: FromSource, alias: String, scan: any CatalogScan,
         bindsDocumentID: Bool, offset: Int, limit: Int?) {
        self.bindsDocumentID = bindsDocumentID
        self.ctx = ctx
        self.query = query
        self.source = source
        self.alias = alias
        self.scan = scan
        self.toSkip = offset
        self.remaining = limit
    }

    /// Up to `maxValues` more result values, and fewer once `softDeadline`
    /// (`StatementBudget.now`'s clock) has passed or a slice `budget` has run
    /// out after some progress: a page may then be short, even empty, with
    /// more to come (`isFinished` false). A slice that runs out before one
    /// document is done throws `SliceExpired` and leaves the stream where it was.
    public func next(maxValues: Int, budget: StatementBudget, softDeadline: UInt64 = .max) throws -> [IonValue] {
        try budget.check()  // no time left: start nothing
        ctx.budget = budget
        ctx.catalog?.bind(budget: budget)
        defer { ctx.catalog?.bind(budget: nil) }
        var out: [IonValue] = []
        var progressed = false
        while out.count < maxValues && !isFinished {
            if remaining == 0 {
                isFinished = true
                break
            }
            if progressed && StatementBudget.now >= softDeadline { break }
            do {
                if index == buffer.count {
                    buffer = try ctx.catalogCall { try scan.next(limit: ResultStream.chunk) }
                    index = 0
                    if buffer.isEmpty {
                        isFinished = true
                        break
                    }
                }
                let value = try evaluate(buffer[index])
                index += 1
                progressed = true
                // As in `Query.run`: OFFSET and LIMIT count MISSING values,
                // which the statement's result then leaves out.
                guard let value else { continue }
                if toSkip > 0 {
                    toSkip -= 1
                    continue
                }
                if let r = remaining { remaining = r - 1 }
                if !value.isMissing { out.append(value.toIon()) }
            } catch is StatementBudget.SliceExpired where progressed {
                break
            }
        }
        if isFinished { buffer = [] }
        return out
    }

    /// The document's result value, or nil when WHERE rejects it.
    private func evaluate(_ document: CatalogDocument) throws -> Value? {
        let eval = Evaluator(ctx: ctx)
        try ctx.budget.chargeRows()
        let row = Scope(parent: Scope(parent: nil), isFrom: true)
        row.bind(alias, Value(ion: document.data))
        if let a = source.atAlias { row.bind(a, .missing) }
        if let b = source.byAlias { row.bind(b, bindsDocumentID ? .string(document.id) : .missing) }
        if let w = query.whereClause {
            guard case .bool(true) = try eval.eval(w, row) else { return nil }
        }
        let value = try Query(eval: eval).project(query, row)
        try ctx.budget.chargeResult(value)
        return value
    }
}

extension Query {
    /// The stream for `q` when it has that shape (see `ResultStream`), else nil; then `planned`
    /// holds the plans made finding out, if any, for `run(q, outer, planned:)`.
    func stream(_ q: SelectQuery, _ outer: Scope, planned: inout [SourcePlan?]?) throws -> ResultStream? {
        guard q.groupBy.isEmpty, q.groupAs == nil, q.having == nil, q.orderBy.isEmpty, !q.distinct,
              !hasAggregate(q), case .source(let s)? = q.from, !s.unpivot, let catalog = ctx.catalog,
              let (scan, isTable) = try streamedSource(s, q, outer, catalog, planned: &planned) else { return nil }
        let offset = try q.offset.map { try count($0, outer, "OFFSET") } ?? 0
        let limit = try q.limit.map { try count($0, outer, "LIMIT") }
        return ResultStream(ctx: ctx, query: q, source: s, alias: s.asAlias ?? Query.defaultAlias(s.expr, 0),
                            scan: try scan(), bindsDocumentID: isTable, offset: offset, limit: limit)
    }

    /// How to open the source's scan: a table the planner scans, a whole
    /// `history(...)` (not of one document: that one is indexed), or a committed view.
    private func streamedSource(_ s: FromSource, _ q: SelectQuery, _ outer: Scope, _ catalog: Catalog,
                                planned: inout [SourcePlan?]?) throws -> (() throws -> any CatalogScan, Bool)? {
        let plans = try plans([(s, nil)], whereClause: q.whereClause, outer)
        if let plan = plans.first ?? nil {
            guard case .scan = plan.access else {
                planned = plans  // `run` reads it by its index: no second planning
                return nil
            }
            return ({ try ctx.catalogCall { try catalog.openScan(table: plan.table) } }, true)
        }
        guard s.atAlias == nil else { return nil }  // a view is a bag: AT is MISSING, or an error in strict mode
        switch s.expr {
        case .call("HISTORY", let args, let pos):
            let alias = s.asAlias ?? Query.defaultAlias(s.expr, 0)
            let sources = [(s, nil as Expr?)]
            guard try historyOfOneDocumentKey(args, alias: alias, sources: sources, whereClause: q.whereClause, outer) == nil else {
                return nil
            }
            let (table, start, end) = try Builtins.historyArguments(args, pos, outer, eval)
            return ({ try ctx.catalogCall { try catalog.openHistoryScan(table: table, start: start, end: end) } }, false)
        case .variable(let name, _, false) where name.hasPrefix("_ql_committed_") && ctx.globals[name] == nil:
            let table = String(name.dropFirst("_ql_committed_".count))
            return ({ try ctx.catalogCall { try catalog.openCommittedScan(table: table) } }, false)
        default:
            return nil
        }
    }
}
