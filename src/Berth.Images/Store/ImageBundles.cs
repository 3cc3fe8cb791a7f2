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

    public static BundlePlan Create(ImageStore store, string image, string bundleDir, BundleOptions options)
    {
        bundleDir = Path.GetFullPath(bundleDir);
        var record = store.Find(image);
        var resolved = store.Unpack(record);
        var rootfs = Path.Combine(bundleDir, options.RootfsPath);
        if (File.Exists(Path.Combine(bundleDir, "config.json")))
            throw new BundleException($"bundle {bundleDir}: config.json already exists");
        Directory.CreateDirectory(bundleDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(rootfs, (UnixFileMode)0b111_101_101);
        if (Directory.EnumerateFileSystemEntries(rootfs).Any())
            throw new BundleException($"bundle {bundleDir}: {options.RootfsPath} is not empty");

        var key = KeyOf(bundleDir);
        var mounts = store.Snapshotter.Prepare(key, resolved.TopSnapshot, new Dictionary<string, string> { [BundleLabel] = bundleDir });
        try
        {
            MountSpec.MountAll(mounts, rootfs);
            try
            {
                var plan = ImageSpecBuilder.Build(resolved.Config, rootfs, options);
                BundleWriter.Write(bundleDir, plan);
                return plan;
            }
            catch
            {
                MountSpec.Unmount(rootfs);
                throw;
            }
        }
        catch
        {
            store.Snapshotter.Remove(key);
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
