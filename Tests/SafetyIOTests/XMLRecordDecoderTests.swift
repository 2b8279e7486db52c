import Testing
@testable import SafetyIO
@testable import SafetyCore

struct XMLRecordDecoderTests {
    let layout = DepartmentMapping.XMLLayout(namespaces: ["jj": "urn:jj"], record: "/jj:Export/jj:Accident")
    let keys = ["@id", "jj:Deaths", "jj:Place/@town", "jj:Note"]

    func decode(_ xml: [UInt8], chunks: [Int]? = nil) throws -> [RawRecord] {
        let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
        var items: [DecodedItem] = []
        for piece in Fixture.split(xml, chunks ?? [xml.count]) { items += try decoder.feed(piece) }
        items += try decoder.finish()
        return items.compactMap(\.rawRecord)
    }

    static let document = Array("""
    <?xml version="1.0" encoding="UTF-8"?>
    <Export xmlns="urn:jj" xmlns:o="urn:other">
      <Accident id="A1">
        <Deaths>2</Deaths>
        <o:Deaths>99</o:Deaths>
        <Place town="女山湖镇"/>
        <Note><![CDATA[a < b]]> &amp; &#x660E;</Note>
      </Accident>
      <o:Accident id="not-mine"><Deaths>7</Deaths></o:Accident>
      <Accident id="A2"><Deaths>0</Deaths></Accident>
    </Export>
    """.utf8)

    @Test func recordsMatchByNamespaceURINotPrefix() throws {
        let records = try decode(Self.document)
        #expect(records.map { $0.values[0] } == ["A1", "A2"])
        #expect(records[0].values[1] == "2")
        #expect(records[0].values[2] == "女山湖镇")
        #expect(records[0].values[3] == "a < b & 明")
        #expect(records[1].values[2] == nil)
        #expect(records[0].position.line == 3 && records[1].position.record == 2)
    }

    /// Names are numbered once per document and looked up by libxml2's pointers; whatever path a
    /// mapping takes (children only, or attributes of children) and however many other names a
    /// document holds, a field takes the text of its own element in its own namespace.
    @Test func namesAreMatchedExactlyPastTheNameTableAndInEveryKeyShape() throws {
        var xml = "<Export xmlns=\"urn:jj\" xmlns:o=\"urn:other\">"
        for i in 0..<(XMLEventParser.maxNames + 200) {
            xml += "<Accident id=\"A\(i)\"><o:Deaths>9</o:Deaths><Extra\(i)>x</Extra\(i)><Deaths>\(i % 7)</Deaths>"
                + "<o:Note>no</o:Note><Note>n\(i)</Note></Accident>"
        }
        xml += "</Export>"
        for keys in [["@id", "jj:Deaths", "jj:Note"], ["jj:Note", "jj:Deaths", "@id", "jj:Place/@town"]] {
            let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
            var items = try decoder.feed(Array(xml.utf8))
            items += try decoder.finish()
            let records = items.compactMap(\.rawRecord)
            #expect(records.count == XMLEventParser.maxNames + 200)
            let id = keys.firstIndex(of: "@id")!, deaths = keys.firstIndex(of: "jj:Deaths")!, note = keys.firstIndex(of: "jj:Note")!
            #expect(records.allSatisfy { r in
                let i = Int(r.values[id]!.dropFirst())!
                return r.values[deaths] == String(i % 7) && r.values[note] == "n\(i)"
            })
        }
    }

    /// A value outside the record: an ancestor's attribute (the export date on the root) or the
    /// text of an element before the records, given to every record after it.
    @Test func absolutePathsReachValuesOutsideTheRecord() throws {
        let xml = Array("""
        <jj:Export xmlns:jj="urn:jj" generated="2022-01-05">
          <jj:Header><jj:Unit>万元</jj:Unit></jj:Header>
          <jj:Accident id="A1"><jj:Deaths>1</jj:Deaths></jj:Accident>
          <jj:Accident id="A2"><jj:Deaths>2</jj:Deaths></jj:Accident>
        </jj:Export>
        """.utf8)
        let keys = ["@id", "/jj:Export/@generated", "jj:Deaths", "/jj:Export/jj:Header/jj:Unit"]
        for chunks in Fixture.chunkings(xml.count) {
            let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
            var items: [DecodedItem] = []
            for piece in Fixture.split(xml, chunks) { items += try decoder.feed(piece) }
            items += try decoder.finish()
            let records = items.compactMap(\.rawRecord)
            #expect(records.map(\.values) == [["A1", "2022-01-05", "1", "万元"], ["A2", "2022-01-05", "2", "万元"]])
        }
        #expect(throws: IngestFailure.self) {
            _ = try XMLRecordDecoder(layout: layout, sourceKeys: ["/jj:Export/jj:Accident/jj:Deaths"], file: "x.xml", member: nil)
        }
    }

    @Test func sameRecordsInEveryChunking() throws {
        let whole = try decode(Self.document).map(\.values)
        for chunks in Fixture.chunkings(Self.document.count) {
            #expect(try decode(Self.document, chunks: chunks).map(\.values) == whole)
        }
    }

    @Test func notWellFormedFailsWithLineAndColumn() throws {
        let broken = Array("<Export xmlns=\"urn:jj\">\n<Accident id=\"1\">\n<Deaths>2</Death>\n</Accident></Export>".utf8)
        do {
            _ = try decode(broken)
            Issue.record("accepted a broken document")
        } catch let IngestFailure.notWellFormed(file, _, line, column, _) {
            #expect(file == "x.xml" && line == 3 && column > 0)
        }
    }

    @Test(arguments: [
        "<!DOCTYPE Export [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Export xmlns=\"urn:jj\"><Accident id=\"&b;\"/></Export>",
        "<!DOCTYPE Export [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><Export xmlns=\"urn:jj\"><Accident id=\"1\"><Note>&xxe;</Note></Accident></Export>",
        "<!DOCTYPE Export [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/x.dtd\"> %p;]><Export xmlns=\"urn:jj\"/>",
    ])
    func entityDeclarationsAreRefused(xml: String) {
        do {
            let records = try decode(Array(xml.utf8))
            Issue.record("accepted: \(records.map(\.values))")
        } catch let failure as IngestFailure {
            if case .entityDeclared = failure {} else { Issue.record("wrong failure \(failure)") }
            #expect(!failure.description.contains("root:"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func declaredLegacyEncodingIsDecoded() throws {
        let head = Array("<?xml version=\"1.0\" encoding=\"GBK\"?><Export xmlns=\"urn:jj\"><Accident id=\"1\"><Place town=\"".utf8)
        let tail = Array("\"/></Accident></Export>".utf8)
        let records = try decode(head + [0xC3, 0xF7, 0xB9, 0xE2] + tail)
        #expect(records.first?.values[2] == "明光")
    }

    @Test func declaredGB2312AndUTF16AreDecoded() throws {
        let gb = Array("<?xml version=\"1.0\" encoding=\"GB2312\"?><Export xmlns=\"urn:jj\"><Accident id=\"1\"><Place town=\"".utf8)
            + [0xC3, 0xF7, 0xB9, 0xE2] + Array("\"/></Accident></Export>".utf8)
        #expect(try decode(gb).first?.values[2] == "明光")
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><Export xmlns=\"urn:jj\"><Accident id=\"1\"><Place town=\"明光\"/></Accident></Export>"
        let utf16: [UInt8] = [0xFF, 0xFE] + Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for chunks in Fixture.chunkings(utf16.count).prefix(5) {
            #expect(try decode(utf16, chunks: chunks).first?.values[2] == "明光")
        }
    }

    /// An external DTD is never read (it would declare an entity, which is refused), and XInclude
    /// is never processed: nothing from a local file reaches a value.
    @Test func externalDTDAndXIncludeAreNeverFollowed() throws {
        let dtd = try Fixture.temporaryDirectory() + "/x.dtd"
        try "<!ENTITY x \"LOADED\">".write(toFile: dtd, atomically: true, encoding: .utf8)
        let external = "<!DOCTYPE Export SYSTEM \"file://\(dtd)\"><Export xmlns=\"urn:jj\"><Accident id=\"a\"><Note>&x;</Note></Accident></Export>"
        do {
            let records = try decode(Array(external.utf8))
            #expect(!records.contains { $0.values.contains("LOADED") })
        } catch let failure as IngestFailure {
            if case .entityDeclared = failure { Issue.record("the external DTD was read: \(failure)") }
            #expect(!failure.description.contains("LOADED"))
        }
        let include = "<Export xmlns=\"urn:jj\" xmlns:xi=\"http://www.w3.org/2001/XInclude\"><Accident id=\"1\"><Note>"
            + "<xi:include href=\"/etc/passwd\" parse=\"text\"/></Note></Accident></Export>"
        let records = try decode(Array(include.utf8))
        #expect(records.count == 1 && !(records[0].values[3] ?? "").contains("root:"))
    }

    @Test func unknownPrefixInMappingIsAConfigurationFailure() {
        #expect(throws: IngestFailure.self) {
            _ = try XMLRecordDecoder(layout: layout, sourceKeys: ["zz:Deaths"], file: "x.xml", member: nil)
        }
    }
}

/// The ingest lets libxml2 pull a whole source (`decode`); tests and workbooks push chunks. Both
/// must give the same records, positions and failures, whatever the source's chunk size.
struct XMLPullTests {
    let layout = XMLRecordDecoderTests().layout
    let keys = XMLRecordDecoderTests().keys

    enum Outcome: Equatable {
        case records([[String?]], [SourcePosition])
        case failed(IngestFailure)
        /// libxml2 words the end of a broken document differently when pulled ("Premature end
        /// of data" instead of "Extra content at the end") and may place it a few columns on:
        /// the same failure, on the same line.
        case notWellFormed(file: String, line: Int)

        init(_ failure: IngestFailure) {
            if case .notWellFormed(let file, nil, let line, _, _) = failure { self = .notWellFormed(file: file, line: line) } else { self = .failed(failure) }
        }
    }

    func pushed(_ xml: [UInt8]) -> Outcome {
        do {
            let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
            var items: [DecodedItem] = []
            if !xml.isEmpty { items += try decoder.feed(xml) }
            items += try decoder.finish()
            let records = items.compactMap(\.rawRecord)
            return .records(records.map(\.values), records.map(\.position))
        } catch { return Outcome(error as! IngestFailure) }
    }

    func pulled(_ xml: [UInt8], chunkSize: Int) -> Outcome {
        do {
            let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
            var items: [DecodedItem] = []
            try decoder.decode(MemoryByteSource(xml, chunkSize: chunkSize)) { items += $0 }
            let records = items.compactMap(\.rawRecord)
            return .records(records.map(\.values), records.map(\.position))
        } catch { return Outcome(error as! IngestFailure) }
    }

    static let documents: [String] = [
        String(decoding: XMLRecordDecoderTests.document, as: UTF8.self),
        "<Export xmlns=\"urn:jj\">\n<Accident id=\"1\">\n<Deaths>2</Death>\n</Accident></Export>",
        "<!DOCTYPE Export [<!ENTITY a \"x\">]><Export xmlns=\"urn:jj\"><Accident id=\"&a;\"/></Export>",
        "<html><body/></html>",
        "<Export xmlns=\"urn:jj\"><Accident id=\"1\"><Deaths>2</Deaths></Accident>",
        "<Export xmlns=\"urn:jj\"><Accident id=\"1\"/></Export><Export/>",
        "<?xml version=\"1.0\" encoding=\"GBK\"?><Export xmlns=\"urn:jj\"><Accident id=\"1\"><Place town=\"\u{660E}\"/></Accident></Export>",
        "",
        "   ",
        "<Export xmlns=\"urn:jj\">" + String(repeating: "<a>", count: XMLEventParser.maxDepth + 5) + "</Export>",
    ]

    @Test(arguments: documents.indices)
    func pullingGivesWhatPushingGives(index: Int) {
        let xml = Array(Self.documents[index].utf8)
        let expected = pushed(xml)
        for size in [1, 3, 64, 1 << 16] {
            #expect(pulled(xml, chunkSize: size) == expected, "document \(index), chunks of \(size)")
        }
    }

    /// Element texts reach the mapper trimmed, as CSV cells do; a record with an attribute or
    /// outside value (strings as they stand) is marked untrimmed, so the mapper trims every value.
    @Test func elementTextsAreTrimmedAndAttributeValuesLeftToTheMapper() throws {
        let deaths = "\n  2\u{3000}", note = " x, y "
        let xml = Array("<Export xmlns=\"urn:jj\"><Accident id=\" A1 \"><Deaths>\(deaths)</Deaths><Note>\(note)</Note></Accident></Export>".utf8)
        func record(_ keys: [String]) throws -> RawRecord? {
            let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
            var items: [DecodedItem] = []
            try decoder.decode(MemoryByteSource(xml)) { items += $0 }
            return items.first?.rawRecord
        }
        let texts = try #require(try record(["jj:Deaths", "jj:Note"]))
        #expect(texts.valuesTrimmed && texts.values == [TextCleaning.trimmed(deaths), TextCleaning.trimmed(note)])
        #expect(texts.values == ["2", "x, y"])
        let withAttribute = try #require(try record(["@id", "jj:Deaths", "jj:Note"]))
        #expect(!withAttribute.valuesTrimmed && withAttribute.values == [" A1 ", deaths, note])
    }

    /// What the consumer throws (a commit failure, say) stops the parse and is thrown as it is;
    /// so is what the source throws (a corrupt gzip stream, say).
    @Test func errorsFromTheConsumerAndTheSourceComeThroughAsTheyAre() throws {
        struct Stop: Error {}
        var xml = "<Export xmlns=\"urn:jj\">"
        for i in 0..<5_000 { xml += "<Accident id=\"\(i)\"><Deaths>1</Deaths></Accident>" }
        xml += "</Export>"
        let decoder = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
        var delivered = 0
        #expect(throws: Stop.self) {
            try decoder.decode(MemoryByteSource(Array(xml.utf8), chunkSize: 4096)) { items in
                delivered += items.count
                if delivered > 100 { throw Stop() }
            }
        }
        #expect(delivered > 100 && delivered < 5_000)

        final class Failing: ByteSource {
            var served = false
            func read() throws -> [UInt8]? {
                if served { throw IngestFailure.corruptGzip(file: "x.xml.gz", byteOffset: 7, reason: "bad block") }
                served = true
                return Array("<Export xmlns=\"urn:jj\"><Accident id=\"1\"/>".utf8)
            }
        }
        let second = try XMLRecordDecoder(layout: layout, sourceKeys: keys, file: "x.xml", member: nil)
        #expect(throws: IngestFailure.corruptGzip(file: "x.xml.gz", byteOffset: 7, reason: "bad block")) {
            try second.decode(Failing()) { _ in }
        }
    }
}
