import Ion

extension Parser {
    mutating func statement() throws -> Statement {
        let t = current
        guard let k = t.keyword else {
            return .query(try expr().e)
        }
        switch k {
        case "EXPLAIN":
            _ = advance()
            return .explain(try statement())
        case "CREATE":
            _ = advance()
            if acceptKeyword("TABLE") {
                let name = try identifier("a table name").0
                var tags: [(String, String)] = []
                if acceptKeyword("WITH") {
                    try expectPunct("(")
                    let key = try identifier("aws_tags").0
                    guard key.lowercased() == "aws_tags" else { throw error("aws_tags", at: tokens[index - 1]) }
                    try expectPunct("=")
                    let v = try expr()
                    guard case .literal(.struct(let fields)) = v.e else { throw error("a struct of tags, e.g. `{'key': 'value'}`") }
                    for f in fields {
                        guard let s = f.value.text else {
                            throw PartiQLError.semantic("tag values must be strings", at: t.position)
                        }
                        tags.append((f.name, s))
                    }
                    try expectPunct(")")
                }
                return .createTable(name, tags: tags)
            }
            try expectKeyword("INDEX")
            try expectKeyword("ON")
            let table = try identifier("a table name").0
            try expectPunct("(")
            let field = try identifier("a field name").0
            if current.isPunct(".") || current.isPunct("[") {
                throw PartiQLError.syntax("indexes may only be created on a single top-level field", at: current.position)
            }
            try expectPunct(")")
            return .createIndex(table: table, field: field)
        case "DROP":
            _ = advance()
            if acceptKeyword("TABLE") {
                return .dropTable(try identifier("a table name").0)
            }
            try expectKeyword("INDEX")
            let id = try nameOrString("an index id")
            try expectKeyword("ON")
            let table = try identifier("a table name").0
            try expectKeyword("WITH")
            try expectPunct("(")
            guard case .identifier(let key) = current.kind, key == "purge" else { throw error("purge") }
            _ = advance()
            try expectPunct("=")
            guard acceptKeyword("TRUE") else { throw error("true") }
            try expectPunct(")")
            return .dropIndex(indexID: id, table: table, purge: true)
        case "UNDROP":
            _ = advance()
            try expectKeyword("TABLE")
            return .undropTable(try nameOrString("a table id"))
        case "INSERT":
            _ = advance()
            try expectKeyword("INTO")
            let table = try identifier("a table name").0
            if acceptKeyword("VALUE") {
                return .insert(table: table, value: try expr().e)
            }
            let x = try expr()
            switch x.e {
            case .bag, .parameter, .list: return .insert(table: table, value: x.e)
            default: throw PartiQLError.syntax("expected VALUE, a bag << … >> or ? after the table name", at: t.position)
            }
        case "UPDATE":
            _ = advance()
            let target = try dmlTarget()
            let ops = try dmlOperations(allowInsert: false)
            var w: Expr?
            if acceptKeyword("WHERE") { w = try expr().e }
            return .update(target, ops, whereClause: w)
        case "DELETE":
            _ = advance()
            try expectKeyword("FROM")
            let target = try dmlTarget()
            var w: Expr?
            if acceptKeyword("WHERE") { w = try expr().e }
            return .delete(target, whereClause: w)
        case "FROM":
            _ = advance()
            let target = try dmlTarget()
            var w: Expr?
            if acceptKeyword("WHERE") { w = try expr().e }
            let ops = try dmlOperations(allowInsert: true)
            return .fromDML(target, whereClause: w, ops)
        case "EXEC":
            _ = advance()
            let name = try identifier("a stored procedure name").0
            var args: [Expr] = []
            if current.kind != .eof && !current.isPunct(";") {
                repeat { args.append(try expr().e) } while acceptPunct(",")
            }
            return .exec(name.uppercased(), args)
        default:
            return .query(try expr().e)
        }
    }

    private mutating func nameOrString(_ what: String) throws -> String {
        switch current.kind {
        case .quotedIdentifier(let s), .string(let s):
            _ = advance()
            return s
        case .identifier(let s) where !Parser.reserved.contains(s.uppercased()):
            _ = advance()
            return s
        default:
            throw error(what)
        }
    }

    private mutating func dmlTarget() throws -> DMLTarget {
        let table = try identifier("a table name").0
        var target = DMLTarget(table: table)
        if acceptKeyword("AS") { target.alias = try identifier("an alias").0 } else if atIdentifier {
            target.alias = try identifier().0
        }
        if acceptKeyword("BY") { target.byAlias = try identifier("an alias").0 }
        return target
    }

    private mutating func dmlOperations(allowInsert: Bool) throws -> [DMLOperation] {
        var ops: [DMLOperation] = []
        while true {
            if acceptKeyword("SET") {
                repeat {
                    let path = try postfix().e
                    try expectPunct("=")
                    ops.append(.set(path, try expr().e))
                } while acceptPunct(",")
            } else if acceptKeyword("REMOVE") {
                repeat { ops.append(.remove(try postfix().e)) } while acceptPunct(",")
            } else if allowInsert, current.isKeyword("INSERT") {
                _ = advance()
                try expectKeyword("INTO")
                let path = try postfix().e
                try expectKeyword("VALUE")
                let v = try expr().e
                var at: Expr?
                if acceptKeyword("AT") { at = try expr().e }
                ops.append(.insertInto(path, value: v, at: at))
            } else {
                break
            }
        }
        if ops.isEmpty { throw error(allowInsert ? "SET, REMOVE or INSERT INTO" : "SET or REMOVE") }
        return ops
    }
}
