using Berth.Images.Metadata;
using Berth.Images.Snapshots;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Snapshots;

/// <summary>
/// A root with a metadata store and a snapshotter, and helpers that go through the snapshotter's
/// API as an unpacker would (prepare, mount, write, unmount, commit). Dispose unmounts and removes
/// everything.
/// </summary>
public abstract class SnapshotterTestBase : IDisposable
{
    private int _mounts;

    protected SnapshotterTestBase()
    {
        Root = new TempRoot();
        Store = MetadataStore.Open(Root.Path);
    }

    protected TempRoot Root { get; }

    protected MetadataStore Store { get; }

    protected abstract ISnapshotter Snapshotter { get; }

    public void Dispose()
    {
        try
        {
            Store.Dispose();
        }
        finally
        {
            Root.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Mounts <paramref name="mounts"/> on a fresh directory under the root.</summary>
    protected string MountAt(IReadOnlyList<MountSpec> mounts)
    {
        var target = Root.Sub($"mnt{++_mounts}");
        MountSpec.MountAll(mounts, target);
        return target;
    }

    /// <summary>Creates the committed snapshot <paramref name="name"/> holding <paramref name="files"/> over <paramref name="parent"/>.</summary>
    protected void Layer(string name, string? parent, params (string Path, string Content)[] files)
    {
        var key = name + "-extract";
        var target = MountAt(Snapshotter.Prepare(key, parent));
        try
        {
            foreach (var (path, content) in files)
            {
                var full = Path.Combine(target, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, content);
            }
        }
        finally
        {
            MountSpec.Unmount(target);
        }
        Snapshotter.Commit(name, key);
    }

    /// <summary>The errno of creating a file at <paramref name="path"/>, 0 on success.</summary>
    protected static int CreateFileErrno(string path)
    {
        try
        {
            using var fd = Sys.Open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0b110_100_100);
            return 0;
        }
        catch (LinuxException e)
        {
            return e.Errno;
        }
    }
}
