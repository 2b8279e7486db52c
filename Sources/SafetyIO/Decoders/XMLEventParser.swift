import CLibXML2
#if canImport(Glibc)
import Glibc
#endif

/// What a streaming XML consumer receives. Names come by namespace URI and local name; each
/// element also carries the parser's small number for its name (`XMLEventParser.id(of:)`), so a
/// consumer that numbered the names it looks for compares integers, and strings are made only
/// when it asks for them.
///
/// A class to override, not a protocol: the parser reaches its handler through a borrowed
/// reference and a class method (an existential called from the C callbacks was retained and
/// released around every event: 4% of an XML ingest's cycles, perf).
class XMLEventHandler {
    func startElement(_ element: XMLElementStart) {}
    func endElement() {}
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

struct XMLName: Hashable { var uri: String; var local: String }

/// One start tag, valid only during the `startElement` call that receives it.
struct XMLElementStart {
    /// The name's number; -1 for a name the parser has not numbered (past `XMLEventParser.maxNames`).
    let id: Int
    /// The line the start tag ends on.
    let line: Int
    fileprivate unowned(unsafe) let parser: XMLEventParser
    fileprivate let local: UnsafePointer<xmlChar>
    fileprivate let uri: UnsafePointer<xmlChar>?
    fileprivate let rawAttributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    fileprivate let attributeCount: Int

    var name: XMLName { parser.name(id: id, uri: uri, local: local) }

    /// The attributes with their values (made on request).
    var attributes: [(XMLName, String)] {
        guard let rawAttributes, attributeCount > 0 else { return [] }
        var out: [(XMLName, String)] = []
        out.reserveCapacity(attributeCount)
        for i in 0..<attributeCount {
            let base = i * 5
            guard let local = rawAttributes[base], let start = rawAttributes[base + 3], let end = rawAttributes[base + 4] else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
            let uri = rawAttributes[base + 2]
            out.append((parser.name(id: parser.number(uri: uri, local: local), uri: uri, local: local), value))
        }
        return out
    }
}

/// libxml2's SAX2 parser with the protections every XML input gets: network access off,
/// entities never substituted and any entity declaration refused, elements nested at most
/// `maxDepth` deep (libxml2's push parser does not bound SAX2 depth itself), libxml2's text
/// limits on. The first error (not well-formed, an entity, or one the handler raises) stops the
/// parser and is thrown from `feed`, `finish` or `parse` with its line and column.
///
/// Two ways to drive it, one per parser: push chunks (`feed`, then `finish`), or let libxml2
/// pull a whole source (`parse`) — the same events and failures; pulling costs libxml2 13% fewer
/// instructions (it need not look ahead for complete tokens in every chunk; callgrind, 100,000
/// records with empty callbacks: 1,361 M against 1,566 M).
final class XMLEventParser {
    private var context: xmlParserCtxtPtr?
    let file: String
    let member: String?
    /// Unowned: the handler owns the parser or outlives it (both live for one parse).
    private let handler: Unmanaged<XMLEventHandler>
    private(set) var failure: IngestFailure?
    /// `failure != nil`, read on every callback without copying the failure.
    private var failed = false
    private var depth = 0
    /// Deeper nesting than any export or workbook needs; a deeper document is refused.
    static let maxDepth = 256

    /// The callbacks, given to whichever context `feed` or `parse` creates.
    private var sax = xmlSAXHandler()

    init(file: String, member: String?, handler: XMLEventHandler) throws {
        self.file = file
        self.member = member
        self.handler = .passUnretained(handler)
        slots.initialize(repeating: Slot(), count: XMLEventParser.slotCount)
        sax.initialized = XML_SAX2_MAGIC
        // The hot callbacks borrow the parser (no retain and release per event).
        sax.startElementNs = { ctx, localname, _, uri, _, _, attributeCount, _, attributes in
            guard let ctx, let localname else { return }
            Unmanaged<XMLEventParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { parser in
                guard !parser.failed else { return }
                parser.depth += 1
                if parser.depth > XMLEventParser.maxDepth {
                    parser.fail(.tooDeep(file: parser.file, member: parser.member, line: parser.currentLine, limit: XMLEventParser.maxDepth))
                    return
                }
                let element = XMLElementStart(id: parser.number(uri: uri, local: localname), line: parser.currentLine, parser: parser,
                                              local: localname, uri: uri, rawAttributes: attributes, attributeCount: Int(attributeCount))
                parser.handler._withUnsafeGuaranteedRef { $0.startElement(element) }
            }
        }
        sax.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            Unmanaged<XMLEventParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { parser in
                guard !parser.failed else { return }
                parser.depth -= 1
                parser.handler._withUnsafeGuaranteedRef { $0.endElement() }
            }
        }
        sax.characters = { ctx, chars, length in
            guard let ctx, let chars else { return }
            Unmanaged<XMLEventParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { parser in
                guard !parser.failed else { return }
                parser.handler._withUnsafeGuaranteedRef { $0.characters(UnsafeBufferPointer(start: chars, count: Int(length))) }
            }
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
    }

    /// The push context, made by the first `feed`.
    private func pushContext() throws -> xmlParserCtxtPtr {
        if let context { return context }
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard let made = xmlCreatePushParserCtxt(&sax, me, nil, 0, file) else {
            throw IngestFailure.unreadable(file: file, reason: "libxml2 could not create a parser")
        }
        xmlCtxtUseOptions(made, Int32(XML_PARSE_NONET.rawValue))
        context = made
        return made
    }

    /// Name numbers by libxml2's pointers. The parser's dictionary holds each distinct name once,
    /// so the same pointers almost always mean the same name: a small direct-mapped table from
    /// the pointers to the number answers most elements without hashing or making a string. The
    /// bytes are compared too (a C string compare of a few bytes, against the table's own copy),
    /// so a pointer reused for another name can never give the wrong number. Bounded: past
    /// `maxNames` distinct names, a new name gets -1 (it can match nothing a consumer numbered).
    private struct Slot {
        var local: UnsafeRawPointer?
        var uri: UnsafeRawPointer?
        var id = -1
        var localCopy: UnsafeMutablePointer<CChar>?
        var uriCopy: UnsafeMutablePointer<CChar>?
    }
    private static let slotCount = 512
    private let slots = UnsafeMutablePointer<Slot>.allocate(capacity: XMLEventParser.slotCount)
    private var ids: [XMLName: Int] = [:]
    private var names: [XMLName] = []
    static let maxNames = 4096

    /// The number of `name`, numbering it if it is new (names a consumer looks for are numbered
    /// before the parse, so they always have one).
    func id(of name: XMLName) -> Int {
        if let id = ids[name] { return id }
        guard names.count < XMLEventParser.maxNames else { return -1 }
        ids[name] = names.count
        names.append(name)
        return names.count - 1
    }

    fileprivate func number(uri: UnsafePointer<xmlChar>?, local: UnsafePointer<xmlChar>) -> Int {
        let l = UnsafeRawPointer(local), u = uri.map(UnsafeRawPointer.init)
        let index = Int(truncatingIfNeeded: (UInt(bitPattern: l) >> 3) ^ (UInt(bitPattern: u) >> 5)) & (XMLEventParser.slotCount - 1)
        let slot = slots[index]
        if slot.local == l, slot.uri == u, let copy = slot.localCopy, strcmp(copy, l.assumingMemoryBound(to: CChar.self)) == 0,
           u == nil || strcmp(slot.uriCopy!, u!.assumingMemoryBound(to: CChar.self)) == 0 {
            return slot.id
        }
        let id = id(of: XMLName(uri: uri.map { String(cString: $0) } ?? "", local: String(cString: local)))
        free(slot.localCopy); free(slot.uriCopy)
        slots[index] = Slot(local: l, uri: u, id: id, localCopy: strdup(l.assumingMemoryBound(to: CChar.self)),
                            uriCopy: u.map { strdup($0.assumingMemoryBound(to: CChar.self)) })
        return id
    }

    fileprivate func name(id: Int, uri: UnsafePointer<xmlChar>?, local: UnsafePointer<xmlChar>) -> XMLName {
        id >= 0 ? names[id] : XMLName(uri: uri.map { String(cString: $0) } ?? "", local: String(cString: local))
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
        for i in 0..<XMLEventParser.slotCount { free(slots[i].localCopy); free(slots[i].uriCopy) }
        slots.deinitialize(count: XMLEventParser.slotCount)
        slots.deallocate()
    }

    var currentLine: Int {
        guard let input = context?.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    /// Stops the parse; the first failure is the one reported.
    func fail(_ problem: IngestFailure) {
        if failure == nil { failure = problem; failed = true }
        if let context { xmlStopParser(context) }
    }

    func feed(_ chunk: [UInt8]) throws {
        if let failure { throw failure }
        let context = try pushContext()
        let status = chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlParseChunk(context, chars.baseAddress, Int32(chars.count), 0)
            }
        }
        checkEncoding(status)
        if let failure { throw failure }
    }

    /// Bytes the declared encoding cannot decode stop libxml2's push parser without an error
    /// callback (it only returns the code): a failure here, as the pull parser reports one.
    private func checkEncoding(_ status: Int32) {
        guard failure == nil, status == Int32(XML_ERR_INVALID_ENCODING.rawValue) else { return }
        fail(.notWellFormed(file: file, member: member, line: currentLine, column: 0,
                            message: "bytes that are not valid in the document's encoding"))
    }

    func finish() throws {
        if let failure { throw failure }
        checkEncoding(xmlParseChunk(try pushContext(), nil, 0, 1))
        try checkComplete()
    }

    private func checkComplete() throws {
        if failure == nil, let context, context.pointee.wellFormed == 0 {
            fail(.notWellFormed(file: file, member: member, line: currentLine, column: 0, message: "document is incomplete"))
        }
        if let failure { throw failure }
    }

    /// Parses a whole source: libxml2 asks for bytes as it needs them. `beforeChunk` runs before
    /// each chunk is taken from the source, and once at the end (a consumer hands on what the
    /// chunk before completed). An error from the source or from `beforeChunk` stops the parse
    /// and is thrown as it is; `emptySource` is thrown when the source gives no byte.
    func parse(_ source: ByteSource, emptySource: @autoclosure () -> Error? = nil, beforeChunk: () throws -> Void = {}) throws {
        precondition(context == nil, "a parser parses once")
        try withoutActuallyEscaping(beforeChunk) { beforeChunk in
            let input = PullInput(source: source, beforeChunk: beforeChunk)
            let me = Unmanaged.passUnretained(self).toOpaque()
            let made = xmlCreateIOParserCtxt(&sax, me, { ctx, buffer, length in
                guard let ctx, let buffer else { return -1 }
                return Unmanaged<PullInput>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.read(into: buffer, count: Int(length)) }
            }, nil, Unmanaged.passUnretained(input).toOpaque(), XML_CHAR_ENCODING_NONE)
            guard let made else { throw IngestFailure.unreadable(file: file, reason: "libxml2 could not create a parser") }
            context = made
            xmlCtxtUseOptions(made, Int32(XML_PARSE_NONET.rawValue))
            // The context reads through `input` until the parse ends.
            try withExtendedLifetime(input) {
                _ = xmlParseDocument(made)
                if let error = input.error { throw error }
                if !input.sawBytes, let empty = emptySource() { throw empty }
                try checkComplete()
                try beforeChunk()
            }
        }
    }
}

/// The bytes libxml2 pulls: the source's chunks, copied into libxml2's buffer as it asks.
private final class PullInput {
    let source: ByteSource
    let beforeChunk: () throws -> Void
    var chunk: [UInt8] = []
    var offset = 0
    var sawBytes = false
    /// What stopped the reading (given to libxml2 as an I/O error, thrown as it is after the parse).
    var error: Error?

    init(source: ByteSource, beforeChunk: @escaping () throws -> Void) {
        self.source = source
        self.beforeChunk = beforeChunk
    }

    /// Fills the buffer as far as the source goes: libxml2 reads the encoding from the first
    /// bytes it is given, so a short read (a source's small chunk) would mislead it.
    func read(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int32 {
        guard error == nil else { return -1 }
        var filled = 0
        do {
            while filled < count {
                if offset == chunk.count {
                    try beforeChunk()
                    guard let next = try source.read() else { break }
                    chunk = next
                    offset = 0
                    sawBytes = true
                }
                let n = min(count - filled, chunk.count - offset)
                chunk.withUnsafeBytes { bytes in
                    UnsafeMutableRawPointer(buffer + filled).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
                }
                offset += n
                filled += n
            }
            return Int32(filled)
        } catch {
            self.error = error
            return -1
        }
    }
}
