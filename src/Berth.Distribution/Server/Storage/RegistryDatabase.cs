using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Berth.Distribution.Server.Storage;

/// <summary>
/// <c>&lt;root&gt;/registry.db</c>: repositories, blob links, manifests, tags and upload sessions, in
/// SQLite with WAL and <c>synchronous=FULL</c> as the image store's metadata. One connection, one
/// transaction at a time; Kestrel's request threads queue on the lock, and every transaction is short
/// (no I/O on blobs happens inside one).
/// </summary>
public sealed class RegistryDatabase : IDisposable
{
    public const string FileName = "registry.db";

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private RegistryDatabase(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    public static RegistryDatabase Open(string root)
    {
        Directory.CreateDirectory(root);
        var path = System.IO.Path.Combine(root, FileName);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // One connection per database object: pooling would hide what a second process (gc) sees.
            Pooling = false,
            ForeignKeys = true,
            DefaultTimeout = 10,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Pragma(connection, "busy_timeout = 10000");
            Pragma(connection, "journal_mode = WAL");
            Pragma(connection, "synchronous = FULL");
            Pragma(connection, "foreign_keys = ON");
            var database = new RegistryDatabase(path, connection);
            database.Migrate();
            return database;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE) and commits it.</summary>
    public T Write<T>(Func<RegistryTransaction, T> work) => Run(work, writable: true);

    public void Write(Action<RegistryTransaction> work) => Run(tx =>
    {
        work(tx);
        return 0;
    }, writable: true);

    /// <summary>Runs <paramref name="work"/> over one consistent snapshot.</summary>
    public T Read<T>(Func<RegistryTransaction, T> work) => Run(work, writable: false);

    private T Run<T>(Func<RegistryTransaction, T> work, bool writable)
    {
        lock (_gate)
        {
            // IMMEDIATE takes the write lock first, so a read-then-write never fails on the upgrade.
            using var sqlite = _connection.BeginTransaction(deferred: !writable);
            var result = work(new RegistryTransaction(_connection, sqlite));
            sqlite.Commit();
            return result;
        }
    }

    private void Migrate()
    {
        while (true)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            var version = UserVersion(tx);
            if (version > RegistryMigrations.Latest)
                throw new InvalidOperationException($"registry database {Path}: schema version {version} is newer than this berth supports ({RegistryMigrations.Latest}); upgrade berth");
            if (version == RegistryMigrations.Latest)
                return;
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = RegistryMigrations.Steps[version] + $"\nPRAGMA user_version = {version + 1};";
                command.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    private int UserVersion(SqliteTransaction tx)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
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
