using Berth.Images.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Distribution.Server.Storage;

/// <summary>
/// <c>&lt;root&gt;/registry.db</c>: repositories, blob links, manifests, tags and upload sessions, in
/// SQLite with WAL and <c>synchronous=FULL</c> as the image store's metadata. One connection, one
/// transaction at a time; Kestrel's request threads queue on the lock, and every transaction is short
/// (no I/O on blobs happens inside one).
/// </summary>
public sealed class RegistryDatabase : SqliteDatabase<RegistryTransaction>
{
    public const string FileName = "registry.db";

    private RegistryDatabase(string path)
        : base(path, TimeSpan.FromSeconds(10), RegistryMigrations.Steps, version => new InvalidOperationException(
            $"registry database {path}: schema version {version} is newer than this berth supports ({RegistryMigrations.Latest}); upgrade berth"))
    {
    }

    public static RegistryDatabase Open(string root) => new(System.IO.Path.Combine(root, FileName));

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE) and commits it.</summary>
    public T Write<T>(Func<RegistryTransaction, T> work) => Run(work, writable: true);

    public void Write(Action<RegistryTransaction> work) => Run(tx =>
    {
        work(tx);
        return 0;
    }, writable: true);

    /// <summary>Runs <paramref name="work"/> over one consistent snapshot.</summary>
    public T Read<T>(Func<RegistryTransaction, T> work) => Run(work, writable: false);

    protected override RegistryTransaction Begin(SqliteConnection connection, SqliteTransaction transaction, bool writable) =>
        new(connection, transaction);
}
