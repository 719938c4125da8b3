import Foundation
import HangarStorage
import Testing

@Suite("DatabaseConfiguration URLs")
struct ConfigurationTests {
    @Test("no URL means SQLite at the default path, whose folder is created")
    func defaultIsSQLite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cfg-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state/scheduler.sqlite").path
        for url in [nil, "", "  "] as [String?] {
            let configuration = try DatabaseConfiguration.from(url: url, defaultSQLitePath: path)
            guard case .sqlite(let sqlite) = configuration.backend else {
                Issue.record("not SQLite")
                continue
            }
            #expect(sqlite.path == path)
            #expect(sqlite.synchronous == .normal)
            #expect(configuration.dialect == .sqlite)
            #expect(!configuration.readOnly)
        }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("state").path, isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    @Test("sqlite: URLs, absolute and relative, with options")
    func sqliteURLs() throws {
        let absolute = try DatabaseConfiguration.from(url: "sqlite:///var/lib/hangar/a.sqlite", defaultSQLitePath: "/x")
        guard case .sqlite(let a) = absolute.backend else {
            Issue.record("not SQLite")
            return
        }
        #expect(a.path == "/var/lib/hangar/a.sqlite")
        #expect(absolute.description == "sqlite:/var/lib/hangar/a.sqlite")

        let relative = try DatabaseConfiguration.from(url: "sqlite:data/b.sqlite", defaultSQLitePath: "/x")
        guard case .sqlite(let b) = relative.backend else {
            Issue.record("not SQLite")
            return
        }
        #expect(b.path == FileManager.default.currentDirectoryPath + "/data/b.sqlite")

        let options = try DatabaseConfiguration.from(
            url: "sqlite:///tmp/c.sqlite?mode=ro&synchronous=full", defaultSQLitePath: "/x")
        guard case .sqlite(let c) = options.backend else {
            Issue.record("not SQLite")
            return
        }
        #expect(c.synchronous == .full)
        #expect(options.readOnly)

        #expect(throws: StorageError.self) { try DatabaseConfiguration.from(url: "sqlite:", defaultSQLitePath: "/x") }
        #expect(throws: StorageError.self) {
            try DatabaseConfiguration.from(url: "sqlite:///tmp/c.sqlite?journal=delete", defaultSQLitePath: "/x")
        }
        // An option without a name is refused, not a trap.
        for query in ["=", "=ro", "mode=ro&="] {
            #expect(throws: StorageError.self, "\(query)") {
                try DatabaseConfiguration.from(url: "sqlite:///tmp/c.sqlite?\(query)", defaultSQLitePath: "/x")
            }
        }
    }

    @Test("postgres:// URLs with schema and options; the password never shows")
    func postgresURLs() throws {
        let configuration = try DatabaseConfiguration.from(
            url: "postgres://hangar:p%40ss@db.example:6543/hangar?schema=scheduler&sslmode=disable",
            defaultSQLitePath: "/x")
        guard case .postgres(let pg) = configuration.backend else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(pg.host == "db.example")
        #expect(pg.port == 6543)
        #expect(pg.username == "hangar")
        #expect(pg.password == "p@ss")
        #expect(pg.database == "hangar")
        #expect(pg.schema == "scheduler")
        #expect(pg.tls == .disable)
        #expect(configuration.dialect == .postgres)
        #expect(!configuration.description.contains("p@ss"))
        #expect(!configuration.description.contains("p%40ss"))
        #expect(!"\(configuration)".contains("p@ss"))
        #expect(configuration.description == "postgres://hangar:***@db.example:6543/hangar?schema=scheduler&sslmode=disable")

        let other = try DatabaseConfiguration.from(url: "postgresql://u:pw@127.0.0.1/d", defaultSQLitePath: "/x")
        guard case .postgres(let o) = other.backend else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(o.port == 5432)
        #expect(o.schema == nil)
        #expect(o.tls == .prefer)
        #expect(!other.description.contains("pw"))
    }

    @Test(
        "bad URLs are clear errors that do not leak the password",
        arguments: [
            "mysql://root:secretpw@localhost/db",
            "/var/lib/hangar.sqlite",
            "postgres://:secretpw@localhost/db",
            "postgres://u:secretpw@localhost/db?schema=Bad-Name",
            "postgres://u:secretpw@localhost/db?sslmode=sometimes",
            "postgres://u:secretpw@localhost/db?frobnicate=1",
        ])
    func badURLs(url: String) throws {
        do {
            _ = try DatabaseConfiguration.from(url: url, defaultSQLitePath: "/x")
            Issue.record("accepted \(url)")
        } catch let error as StorageError {
            guard case .invalidURL = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(!error.description.contains("secretpw"))
            #expect(error.description.hasPrefix("invalid database URL: "))
        }
    }
}
