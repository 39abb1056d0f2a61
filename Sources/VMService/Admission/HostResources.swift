import Foundation

/// What this host has, measured when golem-vm starts: logical cores, total memory, and the size and free
/// space of the file system that holds the data folder (where VM disks live).
struct HostResources: Sendable, Equatable {
    var cpuCores: Int
    var memoryGB: Int
    var storageGB: Int
    var freeStorageGB: Int

    static func measure(dataDirectory: String) -> HostResources {
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        var disk = statvfs()
        let hasDisk = statvfs(dataDirectory, &disk) == 0
        let blockSize = UInt64(disk.f_frsize)
        return HostResources(
            cpuCores: max(1, cores),
            memoryGB: Int(memoryBytes() >> 30),
            storageGB: hasDisk ? Int((UInt64(disk.f_blocks) * blockSize) >> 30) : 0,
            freeStorageGB: hasDisk ? Int((UInt64(disk.f_bavail) * blockSize) >> 30) : 0)
    }

    /// MemTotal from /proc/meminfo (kB); physical pages times page size where that file is missing.
    private static func memoryBytes() -> UInt64 {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kilobytes = UInt64(line.split(separator: " ").dropFirst().first ?? "") {
            return kilobytes * 1024
        }
        return UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
