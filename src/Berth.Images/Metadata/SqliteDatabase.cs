using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>
/// A SQLite file kept as a state of record, as the image store's metadata and the registry's are:
/// WAL (readers never block the writer) with <c>synchronous=FULL</c> (a commit is durable when it
/// returns), the file root's alone, and its schema brought up to date by ordered steps counted in
/// <c>PRAGMA user_version</c>.
/// </summary>
/// <remarks>
/// One connection per object, used by one thread at a time. A second process (or a second object in
/// this one) has its own connection; SQLite's WAL lets readers proceed beside a writer, and writers
/// wait for each other up to the busy timeout instead of failing with SQLITE_BUSY.
/// </remarks>
public abstract class SqliteDatabase<TTransaction> : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    /// <param name="steps">step <c>i</c> takes the schema from version <c>i</c> to <c>i + 1</c>; steps are only appended</param>
    /// <param name="tooNew">the error for a file whose schema is newer than <paramref name="steps"/> know</param>
    protected SqliteDatabase(string path, TimeSpan busyTimeout, IReadOnlyList<string> steps, Func<int, Exception> tooNew)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Pooling would let two objects in one process share a connection and hide what two
            // processes see; each owns exactly one.
            Pooling = false,
            ForeignKeys = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            // Labels may carry registry hosts and build arguments: the database is root's alone
            // (SQLite gives the -wal and -shm files the database's mode).
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Pragma($"busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
            Pragma("journal_mode = WAL");
            Pragma("synchronous = FULL");
            Pragma("foreign_keys = ON");
            Migrate(steps, tooNew);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>The version the database file is at (PRAGMA user_version).</summary>
    public int SchemaVersion
    {
        get
        {
            lock (_gate)
                return ReadUserVersion(null);
        }
    }

    /// <summary>The transaction object the work of <see cref="Run{T}"/> is handed.</summary>
    protected abstract TTransaction Begin(SqliteConnection connection, SqliteTransaction transaction, bool writable);

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it if it returns.</summary>
    protected T Run<T>(Func<TTransaction, T> work, bool writable)
    {
        lock (_gate)
        {
            // BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
            // writes can fail with SQLITE_BUSY at the upgrade without the busy handler ever waiting.
            using var sqlite = _connection.BeginTransaction(deferred: !writable);
            var result = work(Begin(_connection, sqlite, writable));
            sqlite.Commit();
            return result;
        }
    }

    /// <summary>Every row of a PRAGMA or query outside any transaction, each as its columns' values.</summary>
    protected List<object?[]> Rows(string sql)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
            return rows;
        }
    }

    private void Migrate(IReadOnlyList<string> steps, Func<int, Exception> tooNew)
    {
        var version = ReadUserVersion(null);
        while (true)
        {
            if (version > steps.Count)
                throw tooNew(version);
            if (version == steps.Count)
                return;
            using var tx = _connection.BeginTransaction(deferred: false);
            // Another process may have migrated between our read and our lock: read again under it.
            version = ReadUserVersion(tx);
            if (version >= steps.Count)
                continue;
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = steps[version] + $"\nPRAGMA user_version = {version + 1};";
                command.ExecuteNonQuery();
            }
            tx.Commit();
            version++;
        }
    }

    private int ReadUserVersion(SqliteTransaction? tx)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private void Pragma(string pragma)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA " + pragma;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_gate)
            _connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
