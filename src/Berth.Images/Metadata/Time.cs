namespace Berth.Images.Metadata;

/// <summary>
/// Timestamps are stored as integer Unix milliseconds (UTC): they sort and compare in SQL, which the
/// lease expiry sweep relies on, and they mean the same thing to every process on the root.
/// </summary>
internal static class Time
{
    public static long ToColumn(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromColumn(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset Now()
    {
        // Truncated to what the column keeps, so a value read back equals the one returned at write time.
        return FromColumn(ToColumn(DateTimeOffset.UtcNow));
    }
}
