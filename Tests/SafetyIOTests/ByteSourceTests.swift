import Foundation
import Testing
@testable import SafetyIO

struct GzipByteSourceTests {
    let text = Array(String(repeating: "明光市安全生产,2020-10-31\n", count: 2000).utf8)

    func inflate(_ bytes: [UInt8], chunk: Int = 1 << 16, limit: Int = GzipByteSource.defaultMaxOutputBytes) throws -> [UInt8] {
        try Fixture.drain(GzipByteSource(MemoryByteSource(bytes, chunkSize: chunk), file: "t.gz", maxOutputBytes: limit))
    }

    @Test(arguments: [1, 7, 4096, 1 << 16])
    func concatenatedMembersAreAllRead(chunk: Int) throws {
        let half = text.count / 2
        let gz = Fixture.gzip(Array(text[..<half])) + Fixture.gzip(Array(text[half...]))
        #expect(try inflate(gz, chunk: chunk) == text)
    }

    @Test func badCRCIsRefused() {
        var gz = Fixture.gzip(text)
        gz[gz.count - 6] ^= 0xFF
        #expect(throws: IngestFailure.self) { try inflate(gz) }
    }

    @Test func truncationIsRefused() {
        let gz = Fixture.gzip(text)
        #expect(throws: IngestFailure.truncatedGzip(file: "t.gz")) { try inflate(Array(gz.dropLast(5))) }
    }

    @Test func trailingGarbageIsRefused() {
        let gz = Fixture.gzip(text)
        #expect(throws: IngestFailure.trailingGarbage(file: "t.gz", byteOffset: gz.count)) { try inflate(gz + Array("junk".utf8)) }
    }

    @Test func notGzipIsRefused() {
        #expect(throws: IngestFailure.notGzip(file: "t.gz")) { try inflate(Array("plain text".utf8)) }
    }

    @Test func inflationLimitStopsABomb() {
        let bomb = Fixture.gzip([UInt8](repeating: 0, count: 4 << 20))
        #expect(bomb.count < 10_000)
        #expect(throws: IngestFailure.inflationLimit(file: "t.gz", limitBytes: 1 << 20)) { try inflate(bomb, limit: 1 << 20) }
    }
}

struct TarReaderTests {
    func members(_ archive: [UInt8], chunk: Int = 512) throws -> [(String, String)] {
        let reader = TarReader(MemoryByteSource(archive, chunkSize: chunk), file: "b.tar")
        var out: [(String, String)] = []
        while let member = try reader.nextMember() {
            out.append((member.name, String(decoding: try Fixture.drain(TarMemberSource(reader)), as: UTF8.self)))
        }
        return out
    }

    @Test(arguments: [1, 100, 512, 4096])
    func regularMembersInOrderAndMetadataSkipped(chunk: Int) throws {
        let archive = Fixture.tar([("d/2020-01.csv", "0", Array("a\n1\n".utf8)), ("__MACOSX/d/._2020-01.csv", "0", [0, 5]),
                                   ("d/.DS_Store", "0", [1]), ("d/", "5", []), ("d/2020-02.csv", "0", Array(String(repeating: "x", count: 700).utf8))])
        let got = try members(archive, chunk: chunk)
        #expect(got.map(\.0) == ["d/2020-01.csv", "d/2020-02.csv"])
        #expect(got[0].1 == "a\n1\n")
        #expect(got[1].1.count == 700)
    }

    @Test(arguments: [("../evil.csv", Character("0"), "parent-directory (..) component"), ("/etc/cron.d/x", "0", "absolute path"),
                      ("a\\..\\b.csv", "0", "backslash in path"), ("link.csv", "2", "symbolic link"), ("hard.csv", "1", "hard link"),
                      ("dev", "3", "device file"), ("fifo", "6", "FIFO")])
    func unsafeMembersAreRefusedByName(name: String, type: Character, reason: String) {
        let archive = Fixture.tar([("ok.csv", "0", Array("a\n".utf8)), (name, type, [])])
        #expect(throws: IngestFailure.unsafeArchiveMember(file: "b.tar", member: name, reason: reason)) { try members(archive) }
    }

    @Test func gbkMemberNamesAreDecoded() throws {
        // "月报.csv" as an archiver on Chinese Windows writes it: GBK bytes, not UTF-8.
        var archive = Fixture.tar([("XXXX.csv", "0", Array("a\n".utf8))])
        archive.replaceSubrange(0..<4, with: [0xD4, 0xC2, 0xB1, 0xA8])
        var sum = 0
        for (i, byte) in archive[0..<512].enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        let octal = Array(String(sum, radix: 8).utf8)
        archive.replaceSubrange(148..<154, with: [UInt8](repeating: 0x30, count: 6 - octal.count) + octal)
        #expect(try members(archive).map(\.0) == ["月报.csv"])
    }

    @Test func corruptHeaderChecksumFails() {
        var archive = Fixture.tar([("ok.csv", "0", Array("a\n".utf8))])
        archive[10] = 0x41
        #expect(throws: IngestFailure.self) { try members(archive) }
    }

    @Test func memberCountLimit() {
        let archive = Fixture.tar((0..<5).map { ("m\($0).csv", Character("0"), [UInt8]()) })
        let reader = TarReader(MemoryByteSource(archive), file: "b.tar", maxMembers: 3)
        #expect(throws: IngestFailure.tooManyMembers(file: "b.tar", limit: 3)) { while try reader.nextMember() != nil {} }
    }
}

struct TranscodingSourceTests {
    static let gb18030: [UInt8] = [0xC3, 0xF7, 0xB9, 0xE2, 0x2C, 0xC5, 0xAE, 0xC9, 0xBD, 0xBA, 0xFE, 0xD5, 0xF2] // 明光,女山湖镇

    @Test(arguments: [1, 2, 3, 5, 64])
    func gb18030ArrivesExactInAnyChunking(chunk: Int) throws {
        let source = try TranscodingSource(MemoryByteSource(Self.gb18030, chunkSize: chunk), from: "gb18030", file: "g.csv", member: nil)
        #expect(String(decoding: try Fixture.drain(source), as: UTF8.self) == "明光,女山湖镇")
    }

    @Test func invalidSequenceFailsWithItsOffset() throws {
        let source = try TranscodingSource(MemoryByteSource([0x41, 0x42, 0xFF, 0xFF, 0x41]), from: "gb18030", file: "g.csv", member: nil)
        #expect(throws: IngestFailure.invalidEncoding(file: "g.csv", member: nil, byteOffset: 2, encoding: "gb18030")) { try Fixture.drain(source) }
    }

    @Test func truncatedSequenceAtEndFails() throws {
        let source = try TranscodingSource(MemoryByteSource([0x41, 0xC3]), from: "gb18030", file: "g.csv", member: nil)
        #expect(throws: IngestFailure.self) { try Fixture.drain(source) }
    }

    @Test func utf16WithBOM() throws {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("明光,1".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let source = try TranscodingSource(MemoryByteSource(bytes, chunkSize: 3), from: "UTF-16", file: "u.csv", member: nil)
        #expect(String(decoding: try Fixture.drain(source), as: UTF8.self) == "明光,1")
    }
}

struct AtomicFileTests {
    @Test func commitPublishesAndAbandonLeavesNothing() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/sub/out.csv"
        let file = try AtomicFile(path: path)
        try file.write("a,b\n")
        #expect(!FileManager.default.fileExists(atPath: path))
        try file.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a,b\n")

        let second = try AtomicFile(path: path)
        try second.write("half")
        second.abandon()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a,b\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/sub") == ["out.csv"])
    }
}
