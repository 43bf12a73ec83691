import Replica
import Ion
import Ledger
import Net
import QLDBWire

/// CreateLedger, DescribeLedger, ListLedgers, UpdateLedger,
/// UpdateLedgerPermissionsMode, DeleteLedger, and the tag operations.
extension ControlPlane {
    static let awsOwnedKey = "AWS_OWNED_KMS_KEY"

    func createLedger(_ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        let name = try body.requiredString("Name")
        try ControlPlaneBody.checkName(name, parameter: "Name")
        let mode = try checkPermissionsMode(body.requiredString("PermissionsMode"))
        let protection = try body.bool("DeletionProtection") ?? true
        let kms = try body.string("KmsKey", length: 0...1600)
        let tags = try body.tags("Tags") ?? []
        try checkNameFree(name)
        let command = NodeCommand.CreateLedger(
            name: name, ledgerId: options.ids.next(), strandId: options.ids.next(), permissionsMode: mode,
            deletionProtection: protection, kmsKey: kms == ControlPlane.awsOwnedKey || kms == "" ? nil : kms,
            tags: tags, creationTimeMs: options.now())
        propose(.createLedger(command), request, resource: ("LEDGER", name), respond) { [weak self] _ in
            guard let self, let info = self.registry.entry(named: name)?.info else { throw ControlPlaneError.ledgerNotFound(name) }
            var members: [(String, JSONValue)] = [
                ("Name", .string(info.name)), ("Arn", .string(self.registry.ledgerArn(info.name))),
                ("State", .string(info.state.rawValue)), ("CreationDateTime", .seconds(ms: info.creationTimeMs)),
                ("PermissionsMode", .string(info.permissionsMode)), ("DeletionProtection", .bool(info.deletionProtection)),
            ]
            if let key = info.kmsKey { members.append(("KmsKeyArn", .string(self.kmsArn(key)))) }
            // CREATING → ACTIVE as the next step; reconcile() retries it on a new leader.
            self.proposeQuietly(.activateLedger(name: info.name, ledgerId: info.ledgerId))
            return .object(members)
        }
    }

    /// Throws unless no ledger is called `name`.
    func checkNameFree(_ name: String) throws {
        if let existing = registry.entry(named: name) {
            throw existing.info.state == .deleting
                ? ControlPlaneError.inUse("LEDGER", name, "Ledger \(name) is being deleted; retry later")
                : ControlPlaneError(code: "ResourceAlreadyExistsException", message: "Ledger \(name) already exists",
                                    resourceType: "LEDGER", resourceName: name)
        }
    }

    func describeLedger(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        read(request, respond) { [unowned self] in
            guard let info = registry.entry(named: name)?.info else { throw ControlPlaneError.ledgerNotFound(name) }
            return .object([
                ("Name", .string(info.name)), ("Arn", .string(registry.ledgerArn(info.name))),
                ("State", .string(info.state.rawValue)), ("CreationDateTime", .seconds(ms: info.creationTimeMs)),
                ("PermissionsMode", .string(info.permissionsMode)), ("DeletionProtection", .bool(info.deletionProtection)),
                ("EncryptionDescription", encryptionDescription(info)),
            ])
        }
    }

    func listLedgers(_ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let page = try ControlPlanePage(ControlPlaneQuery(request), defaultSize: options.defaultPageSize)
        read(request, respond) { [unowned self] in
            let (infos, next) = page.slice(registry.ledgerInfos.map { (key: $0.name, item: $0) })
            var members: [(String, JSONValue)] = [("Ledgers", .array(infos.map { info in
                .object([("Name", .string(info.name)), ("State", .string(info.state.rawValue)),
                         ("CreationDateTime", .seconds(ms: info.creationTimeMs))])
            }))]
            if let next { members.append(("NextToken", .string(next))) }
            return .object(members)
        }
    }

    func updateLedger(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        let protection = try body.bool("DeletionProtection")
        let kms = try body.string("KmsKey", length: 0...1600)
        _ = try liveEntry(name)
        propose(.updateLedger(name: name, deletionProtection: protection, kmsKey: kms.map { $0.isEmpty ? ControlPlane.awsOwnedKey : $0 }),
                request, resource: ("LEDGER", name), respond) { [weak self] _ in
            guard let self, let info = self.registry.entry(named: name)?.info else { throw ControlPlaneError.ledgerNotFound(name) }
            return .object([
                ("Name", .string(info.name)), ("Arn", .string(self.registry.ledgerArn(info.name))),
                ("State", .string(info.state.rawValue)), ("CreationDateTime", .seconds(ms: info.creationTimeMs)),
                ("DeletionProtection", .bool(info.deletionProtection)),
                ("EncryptionDescription", self.encryptionDescription(info)),
            ])
        }
    }

    func updatePermissionsMode(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        let mode = try checkPermissionsMode(body.requiredString("PermissionsMode"))
        _ = try liveEntry(name)
        propose(.updatePermissionsMode(name: name, permissionsMode: mode), request, resource: ("LEDGER", name), respond) { [weak self] _ in
            guard let self, let info = self.registry.entry(named: name)?.info else { throw ControlPlaneError.ledgerNotFound(name) }
            return .object([("Name", .string(info.name)), ("Arn", .string(self.registry.ledgerArn(info.name))),
                            ("PermissionsMode", .string(info.permissionsMode))])
        }
    }

    func deleteLedger(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        guard let entry = registry.entry(named: name) else { throw ControlPlaneError.ledgerNotFound(name) }
        switch entry.info.state {
        case .deleting: throw ControlPlaneError.inUse("LEDGER", name, "Ledger \(name) is already being deleted")
        case .creating where entry.info.importing: break
        case .creating: throw ControlPlaneError.inUse("LEDGER", name, "Ledger \(name) is still being created; retry later")
        case .active:
            if entry.info.deletionProtection {
                throw ControlPlaneError.precondition("LEDGER", name, "Ledger \(name) has deletion protection enabled; "
                    + "disable it with UpdateLedger (DeletionProtection=false) first")
            }
        }
        propose(.deleteLedger(name: name), request, resource: ("LEDGER", name), respond) { [weak self] _ in
            // DELETING → gone as the next step; reconcile() retries it on a new leader.
            if let self, let info = self.registry.entry(named: name)?.info {
                self.proposeQuietly(.purgeLedger(name: name, ledgerId: info.ledgerId))
            }
            return nil
        }
    }

    // MARK: - Tags

    func tagResource(_ arn: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let tags = try ControlPlaneBody(request).tags("Tags", required: true)!
        let resource = try taggable(arn)
        propose(.tagResource(arn: arn, tags: tags), request, resource: resource, respond) { _ in .object([]) }
    }

    func untagResource(_ arn: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let keys = try ControlPlaneQuery(request).values("tagKeys")
        guard !keys.isEmpty else { throw ControlPlaneError.invalid("Missing required parameter tagKeys", parameter: "TagKeys") }
        for key in keys { try ControlPlaneBody.checkTagKey(key, parameter: "TagKeys") }
        let resource = try taggable(arn)
        propose(.untagResource(arn: arn, keys: keys), request, resource: resource, respond) { _ in .object([]) }
    }

    func listTags(_ arn: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        read(request, respond) { [unowned self] in
            let tags: [ResourceTag]
            switch try resolve(arn) {
            case .ledger(let name): tags = try liveEntry(name).info.tags
            case .stream(_, let id): tags = registry.streams[id]?.tags ?? []
            }
            return .object([("Tags", .object(tags.map { ($0.key, $0.value.map { .string($0) } ?? .null) }))])
        }
    }

    /// Checks the ARN names an existing ledger or stream.
    func resolve(_ arn: String) throws -> LedgerRegistry.Resource {
        guard (20...1600).contains(arn.count), let resource = LedgerRegistry.parseArn(arn) else {
            throw ControlPlaneError.invalid("\(arn.prefix(200)) is not a QLDB ledger or stream ARN", parameter: "ResourceArn")
        }
        switch resource {
        case .ledger(let name):
            _ = try liveEntry(name)
        case .stream(let ledger, let id):
            guard let st = registry.streams[id], st.spec.ledgerName == ledger else {
                throw ControlPlaneError.notFound("STREAM", id, "Stream \(id) of ledger \(ledger) does not exist")
            }
        }
        return resource
    }

    func taggable(_ arn: String) throws -> (type: String, name: String) {
        switch try resolve(arn) {
        case .ledger(let name): return ("LEDGER", name)
        case .stream(_, let id): return ("STREAM", id)
        }
    }

    // MARK: - Shapes

    func checkPermissionsMode(_ mode: String) throws -> String {
        guard mode == "ALLOW_ALL" || mode == "STANDARD" else {
            throw ControlPlaneError.invalid("PermissionsMode must be ALLOW_ALL or STANDARD", parameter: "PermissionsMode")
        }
        return mode
    }

    func kmsArn(_ key: String) -> String {
        if key.hasPrefix("arn:") { return key }
        let o = registry.options
        return key.hasPrefix("alias/") ? "arn:aws:kms:\(o.region):\(o.account):\(key)" : "arn:aws:kms:\(o.region):\(o.account):key/\(key)"
    }

    func encryptionDescription(_ info: LedgerInfo) -> JSONValue {
        .object([("KmsKeyArn", .string(info.kmsKey.map(kmsArn) ?? ControlPlane.awsOwnedKey)),
                 ("EncryptionStatus", .string("ENABLED"))])
    }
}
