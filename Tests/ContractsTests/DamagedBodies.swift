/// Damage done to a message's JSON, to check that a hand-made reader accepts a damaged body
/// only when `JSONDecoder` reads it the same.
enum DamagedBodies {
    /// Bytes that change JSON's meaning most: punctuation, digits, the letters of literals and
    /// exponents, control characters and bytes that are not UTF-8 on their own.
    static let bytes = Array(#"{}[]:,"\ 0123456789.eE+-tfnulx/"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xFF]

    /// `body` with one to three faults: a byte replaced, removed or inserted, or the rest cut off.
    static func damage(_ body: [UInt8], using generator: inout SystemRandomNumberGenerator) -> [UInt8] {
        var body = body
        for _ in 0...Int.random(in: 0...2, using: &generator) {
            let index = Int.random(in: 0..<body.count, using: &generator)
            switch Int.random(in: 0...3, using: &generator) {
            case 0: body[index] = bytes.randomElement(using: &generator)!
            case 1: body.remove(at: index)
            case 2: body.insert(bytes.randomElement(using: &generator)!, at: index)
            default: body = Array(body.prefix(index))
            }
            if body.isEmpty { body = [UInt8(ascii: "{")] }
        }
        return body
    }
}
