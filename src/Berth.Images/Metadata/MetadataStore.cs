using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>
/// The metadata database of a root, <c>&lt;root&gt;/berth.db</c>: the state of record for images,
/// snapshots and leases. Both front doors (the <c>berth</c> CLI and <c>berthd</c>) open the same file,
/// so nothing is cached here: every read goes to the database and every change is one transaction.
/// </summary>
/// <remarks>
/// One connection per store, used by one thread at a time. A second process (or a second store in
/// this one) has its own connection; SQLite's WAL lets readers proceed beside a writer, and writers
/// wait for each other up to the busy timeout instead of failing with SQLITE_BUSY.
/// </remarks>
public sealed class MetadataStore : IDisposable
{
    public const string FileName = "berth.db";

    /// <summary>Long enough for a CLI command to wait out a daemon's write (and the other way around).</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(10);

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private MetadataStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>The schema version this code creates and understands.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens (creating if needed) <c>&lt;root&gt;/berth.db</c> and brings its schema up to date.</summary>
    public static MetadataStore Open(string root, TimeSpan? busyTimeout = null)
    {
        Directory.CreateDirectory(root);
        var path = System.IO.Path.Combine(root, FileName);
        var timeout = busyTimeout ?? DefaultBusyTimeout;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Pooling would let two stores in one process share a connection and hide what two
            // processes see; each store owns exactly one.
            Pooling = false,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // Labels may carry registry hosts and build arguments: the database is root's alone
            // (SQLite gives the -wal and -shm files the database's mode).
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Pragma(connection, $"busy_timeout = {(long)timeout.TotalMilliseconds}");
            // WAL: readers never block the writer, and a commit is one append (+ fsync with FULL).
            Pragma(connection, "journal_mode = WAL");
            Pragma(connection, "synchronous = FULL");
            Pragma(connection, "foreign_keys = ON");
            var store = new MetadataStore(path, connection);
            store.Migrate();
            return store;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The version the database file is at (PRAGMA user_version).</summary>
    public int SchemaVersion
    {
        get
        {
            lock (_gate)
                return ReadUserVersion(_connection, null);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE); commits if it returns.</summary>
    public T Update<T>(Func<MetadataTransaction, T> work) => Run(work, writable: true);

    public void Update(Action<MetadataTransaction> work) => Run(tx =>
    {
        work(tx);
        return 0;
    }, writable: true);

    /// <summary>Runs <paramref name="work"/> in one read transaction: a consistent snapshot of the database.</summary>
    public T View<T>(Func<MetadataTransaction, T> work) => Run(work, writable: false);

    private T Run<T>(Func<MetadataTransaction, T> work, bool writable)
    {
        lock (_gate)
        {
            // BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
            // writes can fail with SQLITE_BUSY at the upgrade without the busy handler ever waiting.
            using var sqlite = _connection.BeginTransaction(deferred: !writable);
            var tx = new MetadataTransaction(_connection, sqlite, writable);
            var result = work(tx);
            sqlite.Commit();
            return result;
        }
    }

    /// <summary>
    /// What <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c> find wrong, one line
    /// each; empty when the database is sound (system check).
    /// </summary>
    public IReadOnlyList<string> CheckIntegrity()
    {
        lock (_gate)
        {
            var problems = new List<string>();
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = "PRAGMA integrity_check";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var line = reader.GetString(0);
                    if (line != "ok")
                        problems.Add(line);
                }
            }
            using (var command = _connection.CreateCommand())
            {
                // Columns: table, rowid, referenced table, foreign key index.
                command.CommandText = "PRAGMA foreign_key_check";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    problems.Add($"table {reader.GetString(0)} row {(reader.IsDBNull(1) ? "?" : reader.GetInt64(1))}: references a missing row of {reader.GetString(2)}");
            }
            return problems;
        }
    }

    private void Migrate()
    {
        var version = ReadUserVersion(_connection, null);
        CheckKnown(version);
        while (version < Migrations.Latest)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            // Another process may have migrated between our read and our lock: read again under it.
            version = ReadUserVersion(_connection, tx);
            CheckKnown(version);
            if (version >= Migrations.Latest)
                break;
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = Migrations.Steps[version] + $"\nPRAGMA user_version = {version + 1};";
                command.ExecuteNonQuery();
            }
            tx.Commit();
            version++;
        }
    }

    private void CheckKnown(int version)
    {
        if (version > Migrations.Latest)
            throw new MetadataException(MetadataErrorKind.Unsupported,
                $"metadata {Path}: schema version {version} is newer than this berth supports ({Migrations.Latest}); upgrade berth");
    }

    private static int ReadUserVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Pragma(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_gate)
            _connection.Dispose();
    }
}
