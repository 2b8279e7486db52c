import SafetyCore

/// Streams XML through libxml2's SAX2 parser (chunks pushed, or a whole source pulled) and
/// delivers one raw record per element at the mapping's record path. Names are matched by
/// namespace URI and local name, never by prefix.
///
/// Safety: network access is off, entities are never substituted and a document that declares
/// any entity is refused; elements nest at most `XMLEventParser.maxDepth` deep, libxml2's text limits
/// stay on. Not well-formed input fails with the first error's line and column, a root element
/// other than the mapping's fails naming both, and the caller publishes nothing from either.
/// A record whose text exceeds `maxTextBytes` is rejected on its own; reading goes on.
public final class XMLRecordDecoder: RecordDecoder {
    typealias Name = XMLName
    private let events: Events
    private var state: State {
        get { events.state }
        _modify { yield &events.state }
    }
    private var sawBytes = false

    public init(layout: DepartmentMapping.XMLLayout, sourceKeys: [String], file: String, member: String?,
                maxTextBytes: Int = 1 << 20) throws {
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
        guard sourceKeys.count <= 64 else {
            throw IngestFailure.configuration(file: file, problems: ["an XML mapping reads at most 64 paths; this one reads \(sourceKeys.count)"])
        }
        let recordNames = try layout.record.split(separator: "/").map { try name($0, attribute: false) }
        let keyNames = try sourceKeys.map { key -> (elements: [Name], attribute: Name?) in
            // An absolute path (/jj:Export/@generated) names a value outside the record: kept
            // here as its whole path; below, it is set apart from the paths inside the record.
            var steps = key.split(separator: "/").filter { $0 != "." }
            var attribute: Name?
            if let last = steps.last, last.hasPrefix("@") {
                attribute = try name(last.dropFirst(), attribute: true)
                steps.removeLast()
            }
            return (try steps.map { try name($0, attribute: false) }, attribute)
        }
        guard let root = recordNames.first else {
            throw IngestFailure.configuration(file: file, problems: ["xml: record names no element"])
        }
        events = Events(state: State(file: file, member: member, rootName: root, maxTextBytes: maxTextBytes))
        // The parser numbers the mapping's names before it reads a byte.
        let parser = try XMLEventParser(file: file, member: member, handler: events)
        state.recordPath = recordNames.map { parser.id(of: $0) }
        for (index, key) in keyNames.enumerated() {
            guard sourceKeys[index].hasPrefix("/") else {
                state.keyPaths += key.elements.map { parser.id(of: $0) }
                state.keyEnds.append(state.keyPaths.count)
                state.keyAttributes.append(key.attribute)
                continue
            }
            // Outside the record: the record's ancestors (their attributes) or elements before it.
            if key.elements.count > recordNames.count, Array(key.elements.prefix(recordNames.count)) == recordNames {
                throw IngestFailure.configuration(file: file, problems: [
                    "XML path \(sourceKeys[index]) is inside the record; write it relative to \(layout.record)"])
            }
            state.keyEnds.append(state.keyPaths.count)
            state.keyAttributes.append(nil)
            state.outsideMask |= 1 << UInt64(index)  // matches nothing inside the record
            state.outside.append(.init(elements: key.elements.map { parser.id(of: $0) }, attribute: key.attribute, slot: index))
        }
        state.documentValues = Array(repeating: nil, count: state.keyEnds.count)
        state.usesValues = !state.outside.isEmpty || state.keyAttributes.contains { $0 != nil }
        state.numberChildren()
        events.parser = parser
    }

    /// The parser's events go to the state; one exclusive access per event. Owns the parser
    /// (which borrows it back as its handler).
    private final class Events: XMLEventHandler {
        var state: State
        var parser: XMLEventParser!
        init(state: State) { self.state = state }
        deinit { state.deallocate() }

        override func startElement(_ element: XMLElementStart) {
            if let problem = state.start(element) { parser.fail(problem) }
        }

        override func characters(_ bytes: UnsafeBufferPointer<UInt8>) { state.characters(bytes) }

        override func endElement() { state.end() }
    }

    struct State {
        /// Copied afresh for each chunk (`String.unshared`).
        var file: String
        var member: String?
        let rootName: Name
        let maxTextBytes: Int
        var recordPath: [Int] = []
        /// The mapped paths below the record element, by the parser's name numbers, end to end:
        /// key i is `keyPaths[keyEnds[i - 1]..<keyEnds[i]]`, with its attribute if it names one.
        var keyPaths: [Int] = []
        var keyEnds: [Int] = []
        var keyAttributes: [Name?] = []
        /// Values outside the record (absolute paths): an ancestor's attribute or the text of an
        /// element before the record, set as the document is read and given to every record after;
        /// every record starts from these (nil where no absolute path names the key).
        struct Outside { var elements: [Int]; var attribute: Name?; var slot: Int }
        var outside: [Outside] = []
        var outsideMask: UInt64 = 0
        var documentValues: [String?] = []
        /// Some key is an attribute or outside the record: records carry `values`. Else each
        /// record's `values` is empty (every text is in its spans) and shares no array: the
        /// shared one was retained and released per record on every thread.
        var usesValues = true
        /// The element outside the records whose text is being read: its slot and depth.
        var outsideText: (slot: Int, depth: Int)?
        var outsideBytes: [UInt8] = []
        /// For a child of the record element, by its name's number: the keys that take its text
        /// (most mapped paths are one step); nil when an attribute of a child is mapped.
        var childMasks: UnsafeMutablePointer<UInt64>?

        mutating func numberChildren() {
            let masks = UnsafeMutablePointer<UInt64>.allocate(capacity: XMLEventParser.maxNames)
            masks.initialize(repeating: 0, count: XMLEventParser.maxNames)
            var start = 0
            for index in keyEnds.indices {
                defer { start = keyEnds[index] }
                guard keyEnds[index] - start == 1 else { continue }
                guard keyAttributes[index] == nil else { masks.deallocate(); return }
                masks[keyPaths[start]] |= 1 << UInt64(index)
            }
            childMasks = masks
        }

        /// One open element: its name's number and, below the record, which keys take its text
        /// (bit i: key i) and where its text starts. The texts of the open elements below the
        /// record are a stack: an element's text is `textBuffer[textStart...]` while it is the
        /// innermost (a child's text is taken off the end when the child ends, so its parent's
        /// text continues unbroken). The buffer is plain memory: an array's appends, removals and
        /// uniqueness checks were about 5% of the decoding thread (perf).
        struct Frame { var id: Int; var mask: UInt64; var textStart: Int }
        /// The open elements, `depth` of them (the parser refuses more than `maxDepth`).
        let frames = UnsafeMutablePointer<Frame>.allocate(capacity: XMLEventParser.maxDepth + 1)
        var depth = 0
        var recordDepth: Int?
        /// The record's values known as strings (attributes; values outside the record).
        var values: [String?] = []
        /// Where the record's texts are kept (`RawTextRecord`).
        var texts = TextRecordWriter()
        var textBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
        var textCapacity = 4096
        var textCount = 0
        var queue: [DecodedItem] = []
        var recordNumber = 0
        var recordLine = 0
        var recordTooLarge = false

        init(file: String, member: String?, rootName: Name, maxTextBytes: Int) {
            self.file = file; self.member = member; self.rootName = rootName; self.maxTextBytes = maxTextBytes
        }

        func deallocate() {
            frames.deallocate()
            textBuffer.deallocate()
            childMasks?.deallocate()
        }

        /// The open elements are exactly `path`.
        func isOpen(_ path: [Int]) -> Bool {
            guard depth == path.count else { return false }
            for index in 0..<depth where frames[index].id != path[index] { return false }
            return true
        }

        mutating func start(_ element: XMLElementStart) -> IngestFailure? {
            if depth == 0, element.id != recordPath[0] || element.id < 0 {
                return .unexpectedRoot(file: file, member: member, found: XMLRecordDecoder.display(element.name),
                                       expected: XMLRecordDecoder.display(rootName))
            }
            frames[depth] = Frame(id: element.id, mask: 0, textStart: textCount)
            depth += 1
            if !outside.isEmpty, recordDepth == nil { readOutside(element) }
            let level: Int
            if let recordDepth {
                level = depth - recordDepth - 1
            } else if isOpen(recordPath) {
                recordDepth = depth - 1
                recordNumber += 1
                recordLine = element.line
                recordTooLarge = false
                values = usesValues ? documentValues : []
                texts.begin(keys: keyEnds.count)
                level = 0
            } else {
                return nil
            }
            var mask: UInt64 = 0
            if level == 1, element.id >= 0, let childMasks {
                mask = childMasks[element.id]
            } else if element.id >= 0 {
                let base = depth - level
                var start = 0
                for index in 0..<keyEnds.count {
                    let end = keyEnds[index]
                    defer { start = end }
                    guard end - start == level, outsideMask & (1 << UInt64(index)) == 0 else { continue }
                    var offset = 0
                    while offset < level && keyPaths[start + offset] == frames[base + offset].id { offset += 1 }
                    guard offset == level else { continue }
                    if let attribute = keyAttributes[index] {
                        if let value = element.attributes.first(where: { $0.0 == attribute })?.1 { values[index] = value }
                    } else {
                        mask |= 1 << UInt64(index)
                    }
                }
            }
            frames[depth - 1].mask = mask
            return nil
        }

        /// An element outside the records that an absolute path names: its attribute now, its text at its end.
        mutating func readOutside(_ element: XMLElementStart) {
            for key in outside where isOpen(key.elements) {
                if let attribute = key.attribute {
                    documentValues[key.slot] = element.attributes.first(where: { $0.0 == attribute })?.1
                } else if outsideText == nil {
                    outsideText = (key.slot, depth)
                    outsideBytes.removeAll(keepingCapacity: true)
                }
            }
        }

        mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
            if recordDepth == nil, outsideText != nil {
                if outsideBytes.count + bytes.count <= maxTextBytes { outsideBytes.append(contentsOf: bytes) }
                return
            }
            guard recordDepth != nil, depth > 0, !recordTooLarge else { return }
            let frame = frames[depth - 1]
            guard frame.mask != 0 else { return }
            if textCount - frame.textStart + bytes.count > maxTextBytes {
                // The record is rejected at its end; its texts are not kept, so memory stays bounded.
                recordTooLarge = true
                return
            }
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            if textCount + bytes.count > textCapacity {
                let capacity = max(2 * textCapacity, textCount + bytes.count)
                let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                grown.update(from: textBuffer, count: textCount)
                textBuffer.deallocate()
                textBuffer = grown
                textCapacity = capacity
            }
            (textBuffer + textCount).update(from: source, count: bytes.count)
            textCount += bytes.count
        }

        mutating func end() {
            guard depth > 0 else { return }  // the root was refused
            defer { depth -= 1 }
            if let text = outsideText, text.depth == depth {
                documentValues[text.slot] = String(decoding: outsideBytes, as: UTF8.self)
                outsideText = nil
            }
            guard let recordDepth else { return }
            let frame = frames[depth - 1]
            if frame.mask != 0 && !recordTooLarge {
                // The text as bytes: the string is made where the record is mapped.
                let text = UnsafeBufferPointer(start: textBuffer + frame.textStart, count: textCount - frame.textStart)
                var bits = frame.mask
                while bits != 0 {
                    texts.set(bits.trailingZeroBitCount, text)
                    bits &= bits - 1
                }
            }
            // A child's text was taken off at its end: never past the buffer.
            textCount = frame.textStart
            if depth - 1 == recordDepth {
                self.recordDepth = nil
                let position = SourcePosition(file: file, member: member, line: recordLine, record: recordNumber)
                if recordTooLarge {
                    queue.append(.rejection(Rejection(position: position, field: "", value: "", reason: .recordTooLarge(limitBytes: maxTextBytes))))
                } else {
                    // Element texts are read trimmed, as CSV cells are (the mapper then need not trim
                    // them again); attribute and outside values are strings as they stand, which
                    // the mapper trims, so a record that has any is read untrimmed.
                    queue.append(.textRecord(texts.finish(position: position, values: values, trims: !usesValues)))
                }
            }
        }
    }

    /// `prefix:local` is not known here; the namespace in braces where there is one.
    static func display(_ name: Name) -> String {
        name.uri.isEmpty ? name.local : "{\(name.uri)}\(name.local)"
    }

    private var emptyExport: IngestFailure { .emptyExport(file: state.file, member: state.member, what: "0 bytes of XML") }

    /// The items completed so far, handed on whole (the decoder starts a new array).
    private func drain() -> [DecodedItem] {
        let capacity = state.queue.count
        var items: [DecodedItem] = []
        items.reserveCapacity(capacity)
        swap(&items, &state.queue)
        return items
    }

    public func feed(_ chunk: [UInt8]) throws -> [DecodedItem] {
        if !chunk.isEmpty { sawBytes = true }
        (state.file, state.member) = (state.file.unshared, state.member?.unshared)
        try events.parser.feed(chunk)
        return drain()
    }

    /// Decodes a whole source, libxml2 pulling the bytes (`XMLEventParser.parse`): the records
    /// each chunk completes go to `consume` before the next chunk is read. The same items and
    /// failures as feeding the chunks, then finishing.
    public func decode(_ source: ByteSource, consume: ([DecodedItem]) throws -> Void) throws {
        try events.parser.parse(source, emptySource: emptyExport) {
            try consume(drain())
            (state.file, state.member) = (state.file.unshared, state.member?.unshared)
        }
    }

    public func finish() throws -> [DecodedItem] {
        if !sawBytes { throw emptyExport }
        try events.parser.finish()
        return drain()
    }
}
