import Foundation

public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stderrText: String { String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs one external command (no shell) with a timeout; cancelling the calling task terminates it.
public struct CommandRunner: Sendable {
    public init() {}

    public func run(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice

        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            throw DriverError("cannot run \(executable): \(error.localizedDescription)")
        }
        // Pipes are drained on their own threads so a chatty command never blocks on a full pipe.
        async let stdoutData = Self.readAll(output.fileHandleForReading)
        async let stderrData = Self.readAll(errors.fileHandleForReading)

        let timedOut = ManagedFlag()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            timedOut.set()
            process.terminate()
            try await Task.sleep(for: .seconds(5))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let status = await withTaskCancellationHandler {
            var status: Int32 = -1
            for await value in exited.stream { status = value }
            return status
        } onCancel: {
            process.terminate()
        }
        watchdog.cancel()
        let result = CommandResult(status: status, stdout: await stdoutData, stderr: await stderrData)
        if timedOut.value {
            throw DriverError("\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.first ?? "") timed out after \(timeout)")
        }
        try Task.checkCancellation()
        return result
    }

    static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}

/// A flag set from one task and read from another.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
