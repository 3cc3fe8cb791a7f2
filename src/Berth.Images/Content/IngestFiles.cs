using System.Globalization;
using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Content;

/// <summary>
/// The files of one ingest directory, containerd's layout: <c>ref</c> (the writer's reference),
/// <c>startedat</c>, <c>total</c> and <c>expected</c> when known, <c>data</c> (the bytes so far) and
/// <c>lock</c>. The small files are written once when the ingest starts; a crash while writing them
/// leaves a file that does not parse, which reopening treats as no ingest at all.
/// </summary>
internal static class IngestFiles
{
    public const string Data = "data";
    public const string Ref = "ref";
    public const string StartedAt = "startedat";
    public const string Total = "total";
    public const string Expected = "expected";
    public const string TrashPrefix = ".trash-";

    public static string DirectoryName(string reference) =>
        Digest.Compute(Encoding.UTF8.GetBytes(reference)).Encoded;

    public static void Start(string dir, string reference, long total, Digest? expected)
    {
        foreach (var name in new[] { Data, Total, Expected })
            File.Delete(Path.Combine(dir, name));
        File.WriteAllText(Path.Combine(dir, Ref), reference);
        File.WriteAllText(Path.Combine(dir, StartedAt), DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        if (total >= 0)
            File.WriteAllText(Path.Combine(dir, Total), total.ToString(CultureInfo.InvariantCulture));
        if (expected is { } d)
            File.WriteAllText(Path.Combine(dir, Expected), d.ToString());
        using var data = new FileStream(Path.Combine(dir, Data), FileMode.CreateNew, FileAccess.Write);
    }

    /// <summary>The status recorded in <paramref name="dir"/>, or null when it holds no complete ingest.</summary>
    public static IngestStatus? Read(string dir)
    {
        try
        {
            var reference = File.ReadAllText(Path.Combine(dir, Ref));
            var startedAt = DateTimeOffset.Parse(File.ReadAllText(Path.Combine(dir, StartedAt)), CultureInfo.InvariantCulture);
            var data = new FileInfo(Path.Combine(dir, Data));
            if (reference.Length == 0 || !data.Exists)
                return null;
            var totalPath = Path.Combine(dir, Total);
            var total = File.Exists(totalPath) ? long.Parse(File.ReadAllText(totalPath), CultureInfo.InvariantCulture) : -1;
            var expectedPath = Path.Combine(dir, Expected);
            Digest? expected = File.Exists(expectedPath) ? Digest.Parse(File.ReadAllText(expectedPath)) : null;
            return new IngestStatus(reference, data.Length, total, expected, startedAt, data.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or FormatException or OverflowException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes an ingest whose lock the caller holds: renamed away first, so that the directory
    /// vanishes at once and a crash halfway through the delete leaves only trash for
    /// <see cref="ContentStore.CleanStaleIngests"/>.
    /// </summary>
    public static void Discard(string dir)
    {
        if (!Directory.Exists(dir))
            return;
        var trash = Path.Combine(Path.GetDirectoryName(dir)!, $"{TrashPrefix}{Path.GetFileName(dir)}-{Random.Shared.NextInt64():x16}");
        Directory.Move(dir, trash);
        Directory.Delete(trash, recursive: true);
    }

    public static void FsyncDirectory(string dir)
    {
        using var fd = Sys.Open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (Libc.Fsync(fd.Value) != 0)
            throw LinuxException.FromLastError("fsync", dir);
    }
}
