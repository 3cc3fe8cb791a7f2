using System.Security.Cryptography;
using System.Text;
using Berth.Images.Bundles;
using Berth.Images.Metadata;
using Berth.Images.Snapshots;

namespace Berth.Images.Store;

/// <summary>
/// <c>berth image bundle IMAGE DIR</c>: an OCI runtime bundle whose rootfs is a writable snapshot
/// over the image's unpacked layers (mounted at DIR/rootfs), and whose config.json comes from the
/// image config with the default hardening. The snapshot is labelled with the bundle's path, so it
/// is a garbage-collection root until <see cref="Remove"/> takes the bundle down.
/// </summary>
public static class ImageBundles
{
    public const string BundleLabel = "berth.bundle";

    /// <summary>
    /// Makes the bundle; on any failure it leaves nothing behind: no mount, no snapshot, and none
    /// of the directories it created.
    /// </summary>
    public static BundlePlan Create(ImageStore store, string image, string bundleDir, BundleOptions options)
    {
        bundleDir = Path.GetFullPath(bundleDir);
        var resolved = store.Unpack(store.Find(image));
        var rootfs = Path.Combine(bundleDir, options.RootfsPath);
        if (File.Exists(Path.Combine(bundleDir, "config.json")))
            throw new BundleException($"bundle {bundleDir}: config.json already exists");
        if (Directory.Exists(rootfs) && Directory.EnumerateFileSystemEntries(rootfs).Any())
            throw new BundleException($"bundle {bundleDir}: {options.RootfsPath} is not empty");
        var created = new[] { bundleDir, rootfs }.Where(d => !Directory.Exists(d)).ToList();
        Directory.CreateDirectory(bundleDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(rootfs, (UnixFileMode)0b111_101_101);

        var key = KeyOf(bundleDir);
        var prepared = false;
        var mounted = false;
        try
        {
            var mounts = store.Snapshotter.Prepare(key, resolved.TopSnapshot, new Dictionary<string, string> { [BundleLabel] = bundleDir });
            prepared = true;
            MountSpec.MountAll(mounts, rootfs);
            mounted = true;
            var plan = ImageSpecBuilder.Build(resolved.Config, rootfs, options);
            BundleWriter.Write(bundleDir, plan);
            return plan;
        }
        catch
        {
            if (mounted)
                MountSpec.Unmount(rootfs);
            // A snapshot this call did not make (the directory is already a bundle) is not ours to remove.
            if (prepared)
                store.Snapshotter.Remove(key);
            // Innermost first: the rootfs before the bundle directory that holds it.
            foreach (var dir in Enumerable.Reverse(created))
                Directory.Delete(dir);
            throw;
        }
    }

    /// <summary>Unmounts the bundle's rootfs and removes its writable layer and config.json.</summary>
    public static void Remove(ImageStore store, string bundleDir)
    {
        bundleDir = Path.GetFullPath(bundleDir);
        var key = KeyOf(bundleDir);
        try
        {
            store.Snapshotter.Stat(key);
        }
        catch (MetadataException e) when (e.Kind == MetadataErrorKind.NotFound)
        {
            throw new BundleException($"bundle {bundleDir}: not made by berth image bundle on this store");
        }
        MountSpec.Unmount(Path.Combine(bundleDir, "rootfs"));
        store.Snapshotter.Remove(key);
        File.Delete(Path.Combine(bundleDir, "config.json"));
    }

    /// <summary>Bundles made from this store, by directory.</summary>
    public static IReadOnlyList<string> List(ImageStore store) =>
        [.. store.Snapshotter.Walk().Where(s => s.Labels.ContainsKey(BundleLabel)).Select(s => s.Labels[BundleLabel])];

    private static string KeyOf(string bundleDir) =>
        "bundle-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bundleDir)))[..32];
}
