import Foundation
import GRDB

/// Opens a service's own SQLite database the same way everywhere: WAL (a DatabasePool), a busy timeout so a
/// second reader never fails at once, the folder created (0700), and the service's migrations applied.
public enum SQLiteDatabase {
    public static func open(path: String, migrations: (inout DatabaseMigrator) -> Void) throws -> DatabasePool {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o700)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrations(&migrator)
        try migrator.migrate(database)
        return database
    }
}
