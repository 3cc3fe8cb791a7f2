using System.Text;
using Berth.Images.Content;
using Berth.Oci.Runtime;

namespace Berth.Images.Bundles;

/// <summary>Writes a <see cref="BundlePlan"/> as a bundle's config.json.</summary>
public static class BundleWriter
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes &lt;bundleDir&gt;/config.json atomically: a temp file in the same directory,
    /// fsync, rename, fsync of the directory, so a crash leaves the old file or the new one.
    /// The directory is created 0700 when missing: the config names the rootfs and the user.
    /// </summary>
    /// <param name="bundleDir">The bundle directory.</param>
    /// <param name="plan">What <see cref="ImageSpecBuilder.Build"/> produced.</param>
    /// <param name="overwrite">Replace a config.json that is already there and not empty.</param>
    /// <exception cref="BundleException">A config.json exists and <paramref name="overwrite"/> is false, or the write failed.</exception>
    public static void Write(string bundleDir, BundlePlan plan, bool overwrite = false)
    {
        var path = Path.Combine(bundleDir, SpecLoader.ConfigFileName);
        string? tmp = null;
        try
        {
            if (!Directory.Exists(bundleDir))
                Directory.CreateDirectory(bundleDir, DirMode);
            if (!overwrite && new FileInfo(path) is { Exists: true, Length: > 0 })
                throw new BundleException($"bundle {bundleDir}: {SpecLoader.ConfigFileName} already exists and is not empty; overwrite it explicitly");

            tmp = Path.Combine(bundleDir, $".{SpecLoader.ConfigFileName}.{Random.Shared.NextInt64():x16}.tmp");
            var bytes = Encoding.UTF8.GetBytes(OciJson.SerializeSpec(plan.Spec));
            using (var stream = new FileStream(tmp, new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = FileMode,
            }))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            tmp = null;
            IngestFiles.FsyncDirectory(bundleDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Berth.Linux.LinuxException)
        {
            throw new BundleException($"bundle {bundleDir}: write {SpecLoader.ConfigFileName}: {e.Message}", e);
        }
        finally
        {
            if (tmp is not null)
                File.Delete(tmp);
        }
    }
}
