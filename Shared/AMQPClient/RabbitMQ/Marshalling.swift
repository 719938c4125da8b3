import CRabbitMQ
import Foundation

// Conversions between Swift values and rabbitmq-c's structs. Memory for outgoing values
// comes from an `amqp_pool_t` that the caller recycles after the C call returns.

extension amqp_bytes_t {
    /// Copies the bytes into a Swift string (UTF-8, invalid sequences repaired).
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    /// Copies the bytes into an array.
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}

/// Outgoing values copied into a rabbitmq-c pool.
struct PoolWriter {
    let pool: UnsafeMutablePointer<amqp_pool_t>

    func bytes(_ string: String) -> amqp_bytes_t {
        var string = string
        return string.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        array.withUnsafeBytes { copy($0) }
    }

    private func copy(_ source: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard source.count > 0, let base = source.baseAddress else { return hangar_empty_bytes() }
        var result = amqp_bytes_t()
        amqp_pool_alloc_bytes(pool, source.count, &result)
        guard let destination = result.bytes else { fatalError("rabbitmq-c pool allocation failed") }
        destination.copyMemory(from: base, byteCount: source.count)
        return result
    }

    func table(_ fields: [String: FieldValue]) -> amqp_table_t {
        guard !fields.isEmpty else { return hangar_empty_table() }
        let raw = amqp_pool_alloc(pool, MemoryLayout<amqp_table_entry_t>.stride * fields.count)
        guard let raw else { fatalError("rabbitmq-c pool allocation failed") }
        let entries = raw.bindMemory(to: amqp_table_entry_t.self, capacity: fields.count)
        for (index, (key, value)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
            var entry = amqp_table_entry_t()
            entry.key = bytes(key)
            entry.value = field(value)
            entries[index] = entry
        }
        return amqp_table_t(num_entries: Int32(fields.count), entries: entries)
    }

    func field(_ value: FieldValue) -> amqp_field_value_t {
        var result = amqp_field_value_t()
        switch value {
        case .string(let string):
            result.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            result.value.bytes = bytes(string)
        case .int(let int):
            result.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            result.value.i64 = int
        case .bool(let bool):
            result.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            result.value.boolean = bool ? 1 : 0
        case .double(let double):
            result.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            result.value.f64 = double
        case .bytes(let array):
            result.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
            result.value.bytes = bytes(array)
        case .table(let table):
            result.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            result.value.table = self.table(table)
        case .array(let values):
            result.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            var array = amqp_array_t()
            if !values.isEmpty {
                let raw = amqp_pool_alloc(pool, MemoryLayout<amqp_field_value_t>.stride * values.count)
                guard let raw else { fatalError("rabbitmq-c pool allocation failed") }
                let entries = raw.bindMemory(to: amqp_field_value_t.self, capacity: values.count)
                for (index, element) in values.enumerated() { entries[index] = field(element) }
                array.num_entries = Int32(values.count)
                array.entries = entries
            }
            result.value.array = array
        case .void:
            result.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return result
    }

    /// The basic properties for `message`.
    func properties(_ message: Message) -> amqp_basic_properties_t {
        var properties = amqp_basic_properties_t()
        var flags: amqp_flags_t = hangar_flag_delivery_mode | hangar_flag_message_id
        properties.delivery_mode = UInt8(message.persistent ? AMQP_DELIVERY_PERSISTENT.rawValue : AMQP_DELIVERY_NONPERSISTENT.rawValue)
        properties.message_id = bytes(message.messageId)
        if let contentType = message.contentType {
            flags |= hangar_flag_content_type
            properties.content_type = bytes(contentType)
        }
        if let correlationId = message.correlationId {
            flags |= hangar_flag_correlation_id
            properties.correlation_id = bytes(correlationId)
        }
        if let type = message.type {
            flags |= hangar_flag_type
            properties.type = bytes(type)
        }
        if let appId = message.appId {
            flags |= hangar_flag_app_id
            properties.app_id = bytes(appId)
        }
        if let replyTo = message.replyTo {
            flags |= hangar_flag_reply_to
            properties.reply_to = bytes(replyTo)
        }
        if let expiration = message.expiration {
            flags |= hangar_flag_expiration
            properties.expiration = bytes(expiration)
        }
        if let timestamp = message.timestamp {
            flags |= hangar_flag_timestamp
            properties.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
        }
        if !message.headers.isEmpty {
            flags |= hangar_flag_headers
            properties.headers = table(message.headers)
        }
        properties._flags = flags
        return properties
    }
}

enum Decode {
    static func table(_ table: amqp_table_t) -> [String: FieldValue] {
        guard table.num_entries > 0, let entries = table.entries else { return [:] }
        var result: [String: FieldValue] = [:]
        result.reserveCapacity(Int(table.num_entries))
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[entry.key.string] = field(entry.value)
        }
        return result
    }

    static func field(_ field: amqp_field_value_t) -> FieldValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: return .int(Int64(truncatingIfNeeded: field.value.u64))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: return .int(Int64(truncatingIfNeeded: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(field.value.f64)
        case AMQP_FIELD_KIND_UTF8.rawValue: return .string(field.value.bytes.string)
        case AMQP_FIELD_KIND_BYTES.rawValue: return .bytes(field.value.bytes.array)
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(table(field.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { Decode.field(entries[$0]) })
        default: return .void
        }
    }

    /// The message carried by `properties` and `body`.
    static func message(_ properties: amqp_basic_properties_t, body: amqp_bytes_t) -> Message {
        let flags = properties._flags
        func has(_ flag: amqp_flags_t) -> Bool { flags & flag != 0 }
        return Message(
            body: body.array,
            contentType: has(hangar_flag_content_type) ? properties.content_type.string : nil,
            messageId: has(hangar_flag_message_id) ? properties.message_id.string : "",
            correlationId: has(hangar_flag_correlation_id) ? properties.correlation_id.string : nil,
            type: has(hangar_flag_type) ? properties.type.string : nil,
            headers: has(hangar_flag_headers) ? table(properties.headers) : [:],
            persistent: has(hangar_flag_delivery_mode) && properties.delivery_mode == UInt8(AMQP_DELIVERY_PERSISTENT.rawValue),
            timestamp: has(hangar_flag_timestamp) ? Date(timeIntervalSince1970: TimeInterval(properties.timestamp)) : nil,
            appId: has(hangar_flag_app_id) ? properties.app_id.string : nil,
            replyTo: has(hangar_flag_reply_to) ? properties.reply_to.string : nil,
            expiration: has(hangar_flag_expiration) ? properties.expiration.string : nil
        )
    }
}
