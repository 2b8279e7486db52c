import CLibXML2

/// What a streaming XML consumer receives: names by namespace URI and local name.
protocol XMLEventHandler: AnyObject {
    func startElement(_ name: XMLName, _ attributes: [(XMLName, String)])
    func endElement()
    func characters(_ bytes: UnsafeBufferPointer<UInt8>)
}

struct XMLName: Hashable { var uri: String; var local: String }

/// libxml2's SAX2 push parser with the protections every XML input gets: network access off,
/// entities never substituted and any entity declaration refused, elements nested at most
/// `maxDepth` deep (libxml2's push parser does not bound SAX2 depth itself), libxml2's text
/// limits on. The first error (not well-formed, an entity, or one the handler raises) stops the
/// parser and is thrown from `feed` or `finish` with its line and column.
final class XMLEventParser {
    private var context: xmlParserCtxtPtr?
    let file: String
    let member: String?
    private weak var handler: XMLEventHandler?
    private(set) var failure: IngestFailure?
    private var depth = 0
    /// Deeper nesting than any export or workbook needs; a deeper document is refused.
    static let maxDepth = 256

    init(file: String, member: String?, handler: XMLEventHandler) throws {
        self.file = file
        self.member = member
        self.handler = handler
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, localname, _, uri, _, _, attributeCount, _, attributes in
            let parser = Unmanaged<XMLEventParser>.fromOpaque(ctx!).takeUnretainedValue()
            guard parser.failure == nil else { return }
            parser.depth += 1
            if parser.depth > XMLEventParser.maxDepth {
                parser.fail(.tooDeep(file: parser.file, member: parser.member, line: parser.currentLine, limit: XMLEventParser.maxDepth))
                return
            }
            var attrs: [(XMLName, String)] = []
            if let attributes {
                for i in 0..<Int(attributeCount) {
                    let base = i * 5
                    guard let local = attributes[base], let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                    let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    let attrURI = attributes[base + 2].map { String(cString: $0) } ?? ""
                    attrs.append((XMLName(uri: attrURI, local: String(cString: local)), value))
                }
            }
            parser.handler?.startElement(XMLName(uri: uri.map { String(cString: $0) } ?? "", local: String(cString: localname!)), attrs)
        }
        sax.endElementNs = { ctx, _, _, _ in
            let parser = Unmanaged<XMLEventParser>.fromOpaque(ctx!).takeUnretainedValue()
            guard parser.failure == nil else { return }
            parser.depth -= 1
            parser.handler?.endElement()
        }
        sax.characters = { ctx, chars, length in
            guard let chars else { return }
            let parser = Unmanaged<XMLEventParser>.fromOpaque(ctx!).takeUnretainedValue()
            guard parser.failure == nil else { return }
            parser.handler?.characters(UnsafeBufferPointer(start: chars, count: Int(length)))
        }
        sax.cdataBlock = sax.characters
        sax.entityDecl = { ctx, name, _, _, _, _ in
            let parser = Unmanaged<XMLEventParser>.fromOpaque(ctx!).takeUnretainedValue()
            parser.fail(.entityDeclared(file: parser.file, member: parser.member, line: parser.currentLine,
                                        name: name.map { String(cString: $0) } ?? ""))
        }
        sax.serror = { ctx, error in
            guard let ctx, let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let parser = Unmanaged<XMLEventParser>.fromOpaque(ctx).takeUnretainedValue()
            var message = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
            while message.last == "\n" { message.removeLast() }
            parser.fail(.notWellFormed(file: parser.file, member: parser.member, line: Int(error.pointee.line),
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

    var currentLine: Int {
        guard let input = context?.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    /// Stops the parse; the first failure is the one reported.
    func fail(_ problem: IngestFailure) {
        if failure == nil { failure = problem }
        if let context { xmlStopParser(context) }
    }

    func feed(_ chunk: [UInt8]) throws {
        if let failure { throw failure }
        chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = xmlParseChunk(context, chars.baseAddress, Int32(chars.count), 0)
            }
        }
        if let failure { throw failure }
    }

    func finish() throws {
        if let failure { throw failure }
        _ = xmlParseChunk(context, nil, 0, 1)
        if failure == nil, let context, context.pointee.wellFormed == 0 {
            fail(.notWellFormed(file: file, member: member, line: currentLine, column: 0, message: "document is incomplete"))
        }
        if let failure { throw failure }
    }

    /// Parses a whole source.
    func parse(_ source: ByteSource) throws {
        while let chunk = try source.read() { try feed(chunk) }
        try finish()
    }
}
