using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.State;

/// <summary>
/// The runtime's state directory (--root): one folder per container holding state.json and the
/// exec fifo. The folder's existence is the claim on the id.
/// </summary>
public sealed class StateStore
{
    public const string DefaultRoot = "/run/berth-runtime";
    public const string StateFile = "state.json";
    public const string ExecFifo = "exec.fifo";

    public StateStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string ContainerDir(string id)
    {
        ContainerId.Validate(id);
        return Path.Combine(Root, id);
    }

    /// <summary>Claims the id by creating its folder (0711, as runc); mkdir fails if another create got there first.</summary>
    public string Claim(string id)
    {
        var dir = ContainerDir(id);
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Libc.Mkdirat(AtFlags.AT_FDCWD, dir, 0b111_001_001) != 0)
        {
            var err = Marshal.GetLastPInvokeError();
            if (err == Errno.EEXIST)
                throw new RuntimeException($"container with id exists: {id}");
            throw new LinuxException(err, "mkdir", dir);
        }
        return dir;
    }

    public bool Exists(string id) => File.Exists(Path.Combine(ContainerDir(id), StateFile));

    public ContainerState Load(string id)
    {
        var path = Path.Combine(ContainerDir(id), StateFile);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerNotFoundException(id);
        }
        try
        {
            return ContainerStateJson.Read(bytes, path);
        }
        catch (Oci.Runtime.SpecException e)
        {
            throw new RuntimeException($"{path}: corrupt state: {e.JsonPath}: {e.Problem}", e);
        }
        catch (JsonException e)
        {
            throw new RuntimeException($"{path}: corrupt state: {e.Message}", e);
        }
    }

    public void Save(ContainerState state)
    {
        var bytes = ContainerStateJson.Write(state);
        AtomicFile.Write(Path.Combine(ContainerDir(state.Id), StateFile), bytes, durable: false);
    }

    public IEnumerable<string> ListIds()
    {
        if (!Directory.Exists(Root))
            yield break;
        foreach (var dir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, StateFile)))
                yield return Path.GetFileName(dir);
        }
    }

    public void Remove(string id)
    {
        var dir = ContainerDir(id);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }
}
