#if canImport(Glibc)
import Glibc
#endif

func posixWrite(_ fd: Int32, _ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
