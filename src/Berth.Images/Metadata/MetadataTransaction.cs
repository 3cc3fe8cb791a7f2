using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>
/// One open transaction, handed to the work of <see cref="MetadataStore.Update{T}"/> or
/// <see cref="MetadataStore.View{T}"/>. The repositories act inside it, so a caller can change
/// images, snapshots and leases together, all or nothing. Valid only during that call.
/// </summary>
public sealed class MetadataTransaction
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    internal MetadataTransaction(SqliteConnection connection, SqliteTransaction transaction, bool writable)
    {
        _connection = connection;
        _transaction = transaction;
        Writable = writable;
        Images = new ImageRepository(this);
        Snapshots = new SnapshotRepository(this);
        Leases = new LeaseRepository(this);
    }

    public bool Writable { get; }

    public ImageRepository Images { get; }

    public SnapshotRepository Snapshots { get; }

    public LeaseRepository Leases { get; }

    internal SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters) =>
        SqliteCommands.Create(_connection, _transaction, sql, parameters);

    internal int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        EnsureWritable();
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    internal void EnsureWritable()
    {
        if (!Writable)
            throw new InvalidOperationException("metadata: a change was attempted in a read-only transaction");
    }
}
