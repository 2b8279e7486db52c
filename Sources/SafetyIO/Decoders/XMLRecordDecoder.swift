import SafetyCore

/// Streams XML through libxml2's SAX2 push parser and delivers one raw record per element at
/// the mapping's record path. Names are matched by namespace URI and local name, never by prefix.
///
/// Safety: network access is off, entities are never substituted and a document that declares
/// any entity is refused; elements nest at most `XMLEventParser.maxDepth` deep, libxml2's text limits
/// stay on. Not well-formed input fails with the first error's line and column, a root element
/// other than the mapping's fails naming both, and the caller publishes nothing from either.
/// A record whose text exceeds `maxTextBytes` is rejected on its own; reading goes on.
public final class XMLRecordDecoder: RecordDecoder, XMLEventHandler {
    typealias Name = XMLName
    struct KeyPath { var elements: [Name]; var attribute: Name? }

    private var parser: XMLEventParser?
    private let file: String
    private let member: String?
    private let recordPath: [Name]
    private let keys: [KeyPath]
    private let maxTextBytes: Int
    private var stack: [Name] = []
    private var recordDepth: Int?
    private var values: [String?] = []
    private var textSlots: [[Int]] = []
    private var textBuffers: [[UInt8]] = []
    private var queue: [DecodedItem] = []
    private var recordNumber = 0
    private var recordLine = 0
    private var recordTooLarge = false
    private var sawBytes = false

    public init(layout: DepartmentMapping.XMLLayout, sourceKeys: [String], file: String, member: String?,
                maxTextBytes: Int = 1 << 20) throws {
        self.file = file
        self.member = member
        self.maxTextBytes = maxTextBytes
        func name(_ step: Substring, attribute: Bool) throws -> Name {
            let parts = step.split(separator: ":", maxSplits: 1)
            if parts.count == 2 {
                guard let uri = layout.namespaces[String(parts[0])] else {
                    throw IngestFailure.configuration(file: file, problems: ["XML path uses prefix \"\(parts[0])\" that namespaces does not define"])
                }
                return Name(uri: uri, local: String(parts[1]))
            }
            // Unprefixed elements are in no namespace, unless the mapping names a default ("").
            return Name(uri: attribute ? "" : (layout.namespaces[""] ?? ""), local: String(step))
        }
        recordPath = try layout.record.split(separator: "/").map { try name($0, attribute: false) }
        keys = try sourceKeys.map { key in
            var steps = key.split(separator: "/").filter { $0 != "." }
            var attribute: Name?
            if let last = steps.last, last.hasPrefix("@") {
                attribute = try name(last.dropFirst(), attribute: true)
                steps.removeLast()
            }
            return KeyPath(elements: try steps.map { try name($0, attribute: false) }, attribute: attribute)
        }

        parser = try XMLEventParser(file: file, member: member, handler: self)
    }

    private var currentLine: Int { parser?.currentLine ?? 0 }

    private func fail(_ problem: IngestFailure) { parser?.fail(problem) }

    func startElement(_ name: Name, _ attributes: [(Name, String)]) {
        if stack.isEmpty, let root = recordPath.first, name != root {
            fail(.unexpectedRoot(file: file, member: member, found: XMLRecordDecoder.display(name), expected: XMLRecordDecoder.display(root)))
            return
        }
        stack.append(name)
        let relative: ArraySlice<Name>
        if let depth = recordDepth {
            relative = stack[(depth + 1)...]
        } else if stack.count == recordPath.count && stack == recordPath {
            recordDepth = stack.count - 1
            recordNumber += 1
            recordLine = currentLine
            recordTooLarge = false
            values = Array(repeating: nil, count: keys.count)
            relative = []
        } else {
            return
        }
        var slots: [Int] = []
        for (index, key) in keys.enumerated() where key.elements.elementsEqual(relative) {
            if let attribute = key.attribute {
                if let value = attributes.first(where: { $0.0 == attribute })?.1 { values[index] = value }
            } else {
                slots.append(index)
            }
        }
        textSlots.append(slots)
        textBuffers.append([])
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !stack.isEmpty, let slots = textSlots.last, !slots.isEmpty, !recordTooLarge else { return }
        if textBuffers[textBuffers.count - 1].count + bytes.count > maxTextBytes {
            // The record is rejected at its end; its text is dropped so memory stays bounded.
            recordTooLarge = true
            for index in textBuffers.indices { textBuffers[index] = [] }
            return
        }
        textBuffers[textBuffers.count - 1].append(contentsOf: bytes)
    }

    func endElement() {
        guard !stack.isEmpty else { return }  // the root was refused
        defer { stack.removeLast() }
        guard let depth = recordDepth else { return }
        let slots = textSlots.removeLast()
        let text = textBuffers.removeLast()
        if !slots.isEmpty {
            let value = String(decoding: text, as: UTF8.self)
            for slot in slots { values[slot] = value }
        }
        if stack.count - 1 == depth {
            recordDepth = nil
            let position = SourcePosition(file: file, member: member, line: recordLine, record: recordNumber)
            if recordTooLarge {
                queue.append(.rejection(Rejection(position: position, field: "", value: "", reason: .recordTooLarge(limitBytes: maxTextBytes))))
            } else {
                queue.append(.record(RawRecord(position: position, values: values)))
            }
        }
    }

    /// `prefix:local` is not known here; the namespace in braces where there is one.
    static func display(_ name: Name) -> String {
        name.uri.isEmpty ? name.local : "{\(name.uri)}\(name.local)"
    }

    private func drain() -> [DecodedItem] {
        defer { queue.removeAll(keepingCapacity: true) }
        return queue
    }

    public func feed(_ chunk: [UInt8]) throws -> [DecodedItem] {
        if !chunk.isEmpty { sawBytes = true }
        try parser!.feed(chunk)
        return drain()
    }

    public func finish() throws -> [DecodedItem] {
        if !sawBytes { throw IngestFailure.emptyExport(file: file, member: member, what: "0 bytes of XML") }
        try parser!.finish()
        return drain()
    }
}
