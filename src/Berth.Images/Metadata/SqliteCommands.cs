using Microsoft.Data.Sqlite;

namespace Berth.Images.Metadata;

/// <summary>A command inside a transaction with named parameters (null as SQL NULL), for the databases' transaction objects.</summary>
public static class SqliteCommands
{
    public static SqliteCommand Create(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
