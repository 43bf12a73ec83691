import COpenSSL

/// Kinesis record aggregation in the KPL format (awslabs/amazon-kinesis-producer,
/// `aggregation-format.md`), which QLDB streams use when `AggregationEnabled`
/// (the default): one Kinesis record's data is
/// `F3 89 9A C2` ‖ protobuf `AggregatedRecord` ‖ MD5(protobuf bytes), with
/// ```
/// message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
///                            repeated Record records = 3; }
/// message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
///                  required bytes data = 3; repeated Tag tags = 4; }
/// ```
/// Tally writes no explicit hash keys and no tags.
public enum KinesisAggregation {
    public static let magic: [UInt8] = [0xF3, 0x89, 0x9A, 0xC2]
    /// Kinesis' limit on one record: its data plus its partition key.
    public static let maxRecordBytes = 1_048_576

    /// One record as a producer would put it (a user record, before aggregation).
    public struct Record: Equatable, Sendable {
        public var partitionKey: String
        public var data: [UInt8]

        public init(partitionKey: String, data: [UInt8]) {
            self.partitionKey = partitionKey
            self.data = data
        }
    }

    /// The data of one aggregated Kinesis record holding `records`, in order.
    public static func encode(_ records: [Record]) -> [UInt8] {
        var keys: [String] = []
        var keyIndex: [String: Int] = [:]
        for r in records where keyIndex[r.partitionKey] == nil {
            keyIndex[r.partitionKey] = keys.count
            keys.append(r.partitionKey)
        }
        var message = ProtobufWriter()
        for key in keys { message.field(1, bytes: Array(key.utf8)) }
        for r in records {
            var record = ProtobufWriter()
            record.field(1, varint: UInt64(keyIndex[r.partitionKey]!))
            record.field(3, bytes: r.data)
            message.field(3, bytes: record.bytes)
        }
        return magic + message.bytes + md5(message.bytes)
    }

    /// `records` packed in order into as few aggregated Kinesis records as fit
    /// `limit` bytes each (data + partition key; the outer partition key is
    /// the first user record's, as the KPL does). A user record too big to share
    /// a Kinesis record goes alone.
    public static func aggregate(_ records: [Record], limit: Int = maxRecordBytes) -> [Record] {
        var out: [Record] = []
        var batch: [Record] = []
        var keys: [String: Int] = [:]
        var size = magic.count + 16
        for r in records {
            if !batch.isEmpty && size + added(r, keys) + batch[0].partitionKey.utf8.count > limit {
                out.append(Record(partitionKey: batch[0].partitionKey, data: encode(batch)))
                batch = []
                keys = [:]
                size = magic.count + 16
            }
            size += added(r, keys)
            if keys[r.partitionKey] == nil { keys[r.partitionKey] = keys.count }
            batch.append(r)
        }
        if !batch.isEmpty { out.append(Record(partitionKey: batch[0].partitionKey, data: encode(batch))) }
        return out
    }

    /// The bytes `r` adds to an aggregated record whose partition key table is `keys`.
    private static func added(_ r: Record, _ keys: [String: Int]) -> Int {
        let index = keys[r.partitionKey] ?? keys.count
        var size = ProtobufWriter.fieldSize(length: 1 + ProtobufWriter.varintSize(index) + ProtobufWriter.fieldSize(length: r.data.count))
        if keys[r.partitionKey] == nil { size += ProtobufWriter.fieldSize(length: r.partitionKey.utf8.count) }
        return size
    }

    static func md5(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { b in
            out.withUnsafeMutableBufferPointer { EVP_Digest(b.baseAddress, b.count, $0.baseAddress, &length, EVP_md5(), nil) }
        }
        precondition(ok == 1 && length == 16, "EVP_Digest(MD5) failed")
        return out
    }
}
