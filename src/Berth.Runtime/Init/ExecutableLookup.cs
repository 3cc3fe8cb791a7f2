using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Init;

/// <summary>Finds process.args[0] inside the container (after pivot_root) with the process's own PATH, as exec.LookPath does for runc.</summary>
public static class ExecutableLookup
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string Find(string name, IEnumerable<string> env)
    {
        if (name.Contains('/'))
        {
            Check(name, name);
            return name;
        }
        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (IsExecutableFile(candidate))
                return candidate;
        }
        throw new RuntimeException($"exec: \"{name}\": executable file not found in $PATH");
    }

    private static void Check(string path, string name)
    {
        if (!Sys.TryLstat(path, out _))
            throw new RuntimeException($"exec: \"{name}\": stat {path}: no such file or directory");
        if (!IsExecutableFile(path))
            throw new RuntimeException($"exec: \"{name}\": permission denied");
    }

    private static bool IsExecutableFile(string path)
    {
        try
        {
            using var fd = Sys.Open(path, OpenFlags.O_PATH);
            var st = Sys.Fstat(fd.Value, path);
            return (st.Mode & StatMode.S_IFMT) == StatMode.S_IFREG && (st.Mode & 0b001_001_001) != 0;
        }
        catch (LinuxException)
        {
            return false;
        }
    }
}
