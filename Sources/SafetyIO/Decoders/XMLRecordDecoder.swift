import CLibXML2
import SafetyCore

/// Streams XML through libxml2's SAX2 push parser and delivers one raw record per element at
/// the mapping's record path. Names are matched by namespace URI and local name, never by prefix.
///
/// Safety: network access is off, entities are never substituted and a document that declares
/// any entity is refused; libxml2's own depth and text limits stay on. Not well-formed input
/// fails with the first error's line and column, and the caller publishes nothing from it.
public final class XMLRecordDecoder: RecordDecoder {
    struct Name: Hashable { var uri: String; var local: String }
    struct KeyPath { var elements: [Name]; var attribute: Name? }

    private var context: xmlParserCtxtPtr?
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
    private var failure: IngestFailure?
    private var recordNumber = 0
    private var recordLine = 0

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

        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, localname, _, uri, _, _, attributeCount, _, attributes in
            let decoder = Unmanaged<XMLRecordDecoder>.fromOpaque(ctx!).takeUnretainedValue()
            var attrs: [(Name, String)] = []
            if let attributes {
                for i in 0..<Int(attributeCount) {
                    let base = i * 5
                    guard let local = attributes[base], let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                    let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    let attrURI = attributes[base + 2].map { String(cString: $0) } ?? ""
                    attrs.append((Name(uri: attrURI, local: String(cString: local)), value))
                }
            }
            decoder.startElement(Name(uri: uri.map { String(cString: $0) } ?? "", local: String(cString: localname!)), attrs)
        }
        sax.endElementNs = { ctx, _, _, _ in
            Unmanaged<XMLRecordDecoder>.fromOpaque(ctx!).takeUnretainedValue().endElement()
        }
        sax.characters = { ctx, chars, length in
            Unmanaged<XMLRecordDecoder>.fromOpaque(ctx!).takeUnretainedValue().characters(chars, Int(length))
        }
        sax.cdataBlock = sax.characters
        sax.entityDecl = { ctx, name, _, _, _, _ in
            let decoder = Unmanaged<XMLRecordDecoder>.fromOpaque(ctx!).takeUnretainedValue()
            decoder.fail(.entityDeclared(file: decoder.file, member: decoder.member, line: decoder.currentLine,
                                         name: name.map { String(cString: $0) } ?? ""))
        }
        sax.serror = { ctx, error in
            guard let ctx, let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let decoder = Unmanaged<XMLRecordDecoder>.fromOpaque(ctx).takeUnretainedValue()
            var message = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
            while message.last == "\n" { message.removeLast() }
            decoder.fail(.notWellFormed(file: decoder.file, member: decoder.member, line: Int(error.pointee.line),
                                        column: Int(error.pointee.int2), message: message))
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        context = xmlCreatePushParserCtxt(&sax, me, nil, 0, file)
        guard let context else { throw IngestFailure.unreadable(file: file, reason: "libxml2 could not create a parser") }
        xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue))
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    private var currentLine: Int {
        guard let input = context?.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    private func fail(_ problem: IngestFailure) {
        if failure == nil { failure = problem }
        if let context { xmlStopParser(context) }
    }

    private func startElement(_ name: Name, _ attributes: [(Name, String)]) {
        stack.append(name)
        let relative: ArraySlice<Name>
        if let depth = recordDepth {
            relative = stack[(depth + 1)...]
        } else if stack.count == recordPath.count && stack == recordPath {
            recordDepth = stack.count - 1
            recordNumber += 1
            recordLine = currentLine
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

    private func characters(_ chars: UnsafePointer<xmlChar>?, _ length: Int) {
        guard let chars, let slots = textSlots.last, !slots.isEmpty else { return }
        if textBuffers[textBuffers.count - 1].count + length > maxTextBytes {
            fail(.recordTooLarge(file: file, member: member, line: currentLine, limitBytes: maxTextBytes))
            return
        }
        textBuffers[textBuffers.count - 1].append(contentsOf: UnsafeBufferPointer(start: chars, count: length))
    }

    private func endElement() {
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
            queue.append(.record(RawRecord(position: position, values: values)))
        }
    }

    private func drain() throws -> [DecodedItem] {
        if let failure { throw failure }
        defer { queue.removeAll(keepingCapacity: true) }
        return queue
    }

    public func feed(_ chunk: [UInt8]) throws -> [DecodedItem] {
        guard failure == nil else { throw failure! }
        chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = xmlParseChunk(context, chars.baseAddress, Int32(chars.count), 0)
            }
        }
        return try drain()
    }

    public func finish() throws -> [DecodedItem] {
        guard failure == nil else { throw failure! }
        _ = xmlParseChunk(context, nil, 0, 1)
        if failure == nil, let context, context.pointee.wellFormed == 0 {
            fail(.notWellFormed(file: file, member: member, line: currentLine, column: 0, message: "document is incomplete"))
        }
        return try drain()
    }
}
