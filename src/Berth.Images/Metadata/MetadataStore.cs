using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>
/// The metadata database of a root, <c>&lt;root&gt;/berth.db</c>: the state of record for images,
/// snapshots and leases. Both front doors (the <c>berth</c> CLI and <c>berthd</c>) open the same file,
/// so nothing is cached here: every read goes to the database and every change is one transaction.
/// </summary>
/// <remarks>
/// One connection per store, used by one thread at a time (<see cref="SqliteDatabase{TTransaction}"/>).
/// </remarks>
public sealed class MetadataStore : SqliteDatabase<MetadataTransaction>
{
    public const string FileName = "berth.db";

    /// <summary>Long enough for a CLI command to wait out a daemon's write (and the other way around).</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(10);

    private MetadataStore(string path, TimeSpan busyTimeout)
        : base(path, busyTimeout, Migrations.Steps, version => new MetadataException(MetadataErrorKind.Unsupported,
            $"metadata {path}: schema version {version} is newer than this berth supports ({Migrations.Latest}); upgrade berth"))
    {
    }

    /// <summary>The schema version this code creates and understands.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    /// <summary>Opens (creating if needed) <c>&lt;root&gt;/berth.db</c> and brings its schema up to date.</summary>
    public static MetadataStore Open(string root, TimeSpan? busyTimeout = null) =>
        new(System.IO.Path.Combine(root, FileName), busyTimeout ?? DefaultBusyTimeout);

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE); commits if it returns.</summary>
    public T Update<T>(Func<MetadataTransaction, T> work) => Run(work, writable: true);

    public void Update(Action<MetadataTransaction> work) => Run(tx =>
    {
        work(tx);
        return 0;
    }, writable: true);

    /// <summary>Runs <paramref name="work"/> in one read transaction: a consistent snapshot of the database.</summary>
    public T View<T>(Func<MetadataTransaction, T> work) => Run(work, writable: false);

    protected override MetadataTransaction Begin(SqliteConnection connection, SqliteTransaction transaction, bool writable) =>
        new(connection, transaction, writable);

    /// <summary>
    /// What <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c> find wrong, one line
    /// each; empty when the database is sound (system check).
    /// </summary>
    public IReadOnlyList<string> CheckIntegrity()
    {
        var problems = Rows("PRAGMA integrity_check").Select(r => (string)r[0]!).Where(line => line != "ok").ToList();
        // Columns: table, rowid, referenced table, foreign key index.
        problems.AddRange(Rows("PRAGMA foreign_key_check")
            .Select(r => $"table {r[0]} row {r[1] ?? "?"}: references a missing row of {r[2]}"));
        return problems;
    }
}
