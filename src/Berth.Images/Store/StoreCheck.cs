using Berth.Images.Content;
using Berth.Images.Metadata;
using Berth.Images.Oci;
using Berth.Images.Snapshots;
using Microsoft.Data.Sqlite;

namespace Berth.Images.Store;

/// <summary>
/// podman system check for the image store: finds what a crash, a full disk or a hand in the
/// directory can leave behind, and with repair removes what is safe to remove. Safe means nothing
/// an image or a bundle still needs is lost: leftovers of interrupted writes (ingests, extract
/// snapshots, unknown snapshot directories) and blobs whose bytes no longer match their name.
/// What repair cannot fix (an image missing a blob, a layer without its directory) stays a problem
/// for the user to resolve by removing or loading the image again.
/// </summary>
/// <remarks>
/// Repair assumes no load or unpack runs beside it, as podman's does: an extract snapshot carries no
/// owner, so one being filled right now looks like one a killed process left.
/// </remarks>
public static partial class StoreCheck
{
    public static StoreCheckReport Run(ImageStore store, bool repair)
    {
        var problems = new List<string>();
        var repaired = new List<string>();
        Section(problems, "metadata", () => problems.AddRange(store.Metadata.CheckIntegrity().Select(l => $"metadata {store.Metadata.Path}: {l}")));
        Section(problems, "mounts", () => problems.AddRange(StaleMounts(store.Root).Select(m => $"mount {m}: left mounted under the store")));
        Section(problems, "ingests", () => Converge(() => LeftoverIngests(store), () => store.Content.CleanStaleIngests(TimeSpan.Zero), repair, problems, repaired));
        Section(problems, "blobs", () => CheckBlobs(store, repair, problems, repaired));
        Section(problems, "snapshots", () => CheckSnapshots(store, repair, problems, repaired));
        Section(problems, "images", () => CheckImages(store, problems));
        return new StoreCheckReport(problems, repaired);
    }

    /// <summary>One check that cannot run (an unreadable database, a directory gone) is a problem, not the end of the others.</summary>
    private static void Section(List<string> problems, string name, Action check)
    {
        try
        {
            check();
        }
        catch (Exception e) when (e is SqliteException or MetadataException or ContentException or ImageFormatException
            or IOException or UnauthorizedAccessException or FormatException)
        {
            problems.Add($"{name}: cannot be checked: {e.Message}");
        }
    }

    /// <summary>
    /// Finds leftovers, and with repair removes them and looks again: what went is reported as
    /// repaired, what is still there stays a problem.
    /// </summary>
    private static void Converge(Func<IReadOnlyDictionary<string, string>> find, Action remove, bool repair, List<string> problems, List<string> repaired)
    {
        var before = find();
        if (!repair || before.Count == 0)
        {
            problems.AddRange(before.Values);
            return;
        }
        remove();
        var after = find();
        foreach (var (key, line) in before)
        {
            if (!after.ContainsKey(key))
                repaired.Add("removed " + line);
        }
        problems.AddRange(after.Values);
    }

    private static Dictionary<string, string> LeftoverIngests(ImageStore store)
    {
        var leftovers = new Dictionary<string, string>(StringComparer.Ordinal);
        var ingestRoot = Path.Combine(store.Content.Root, "content", "ingest");
        if (!Directory.Exists(ingestRoot))
            return leftovers;
        foreach (var dir in Directory.EnumerateDirectories(ingestRoot))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith(IngestFiles.TrashPrefix, StringComparison.Ordinal))
            {
                leftovers[dir] = $"ingest trash {dir}: left by an interrupted delete";
                continue;
            }
            try
            {
                // A writer at work holds the ingest's flock; one that was killed released it with its fds.
                using var held = IngestLock.Acquire(dir, name);
                leftovers[dir] = IngestFiles.Read(dir) is { } status
                    ? $"ingest {status.Reference}: interrupted write left ({status.Offset} of {(status.Total >= 0 ? status.Total.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")} bytes)"
                    : $"ingest {dir}: unreadable leftover";
            }
            catch (ContentLockedException)
            {
            }
        }
        return leftovers;
    }

    private static void CheckBlobs(ImageStore store, bool repair, List<string> problems, List<string> repaired)
    {
        foreach (var blob in store.Content.Walk().ToList())
        {
            bool intact;
            try
            {
                intact = store.Content.Verify(blob.Digest);
            }
            catch (ContentNotFoundException)
            {
                // Removed by a concurrent garbage collection since the walk.
                continue;
            }
            if (intact)
                continue;
            var line = $"blob {blob.Digest}: content does not match its digest";
            if (repair && store.Content.Delete(blob.Digest))
                repaired.Add($"removed {line}");
            else
                problems.Add(line);
        }
    }

    /// <summary>
    /// Every image's documents and layers, for this host's platform (what unpack and run read): an
    /// index may list manifests of other platforms that an archive never carried.
    /// </summary>
    private static void CheckImages(ImageStore store, List<string> problems)
    {
        foreach (var record in store.List())
        {
            var name = ImageStore.Familiar(record.Name);
            ResolvedImage image;
            try
            {
                image = store.Resolve(record);
            }
            catch (ContentNotFoundException e)
            {
                problems.Add($"image {name}: {e.Message}");
                continue;
            }
            catch (ImageFormatException e)
            {
                problems.Add($"image {name}: {e.Message}");
                continue;
            }
            foreach (var layer in image.ManifestDocument.Layers)
            {
                if (!store.Content.Exists(layer.Digest))
                    problems.Add($"image {name}: layer blob {layer.Digest} is missing");
            }
        }
    }

    /// <summary>Mount points at or under the store's root (/proc/self/mountinfo's fifth field, octal escapes undone).</summary>
    private static List<string> StaleMounts(string root)
    {
        var mounts = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5)
                continue;
            var point = Unescape(fields[4]);
            if (point == root || point.StartsWith(root + "/", StringComparison.Ordinal))
                mounts.Add(point);
        }
        return mounts;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        var chars = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.AsSpan(i + 1, 3).ToArray().All(c => c is >= '0' and <= '7'))
            {
                chars.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                chars.Append(field[i]);
            }
        }
        return chars.ToString();
    }
}
