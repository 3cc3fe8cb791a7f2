namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// The OCI runtime the suite judges, chosen by BERTH_TEST_RUNTIME:
/// <c>berth</c> (default, &lt;repo&gt;/artifacts/bin/berth-runtime), <c>runc</c>, <c>crun</c>, or an absolute path.
/// </summary>
public sealed class RuntimeUnderTest
{
    public const string EnvironmentVariable = "BERTH_TEST_RUNTIME";

    private static readonly Lazy<RuntimeUnderTest> s_current = new(Resolve);
    private readonly Lazy<string> _specJson;

    private RuntimeUnderTest(string name, string executable, string binary)
    {
        Name = name;
        Executable = executable;
        Binary = binary;
        _specJson = new Lazy<string>(GenerateSpec);
    }

    public static RuntimeUnderTest Current => s_current.Value;

    /// <summary>berth, runc, crun, or the file name of a custom path; the key of <see cref="KnownDifferences"/>.</summary>
    public string Name { get; }

    /// <summary>What the harness executes (for crun: a wrapper script, see <see cref="CrunWrapper"/>).</summary>
    public string Executable { get; }

    /// <summary>The runtime's own binary on the host (what CVE-2019-5736 must not be able to overwrite).</summary>
    public string Binary { get; }

    public bool IsAvailable => File.Exists(Executable) && File.Exists(Binary);

    /// <summary>The config.json printed by <c>&lt;runtime&gt; spec</c>, produced once per test run.</summary>
    public string SpecJson => _specJson.Value;

    public void EnsureAvailable()
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException(
                $"runtime under test '{Name}' not found at {Binary} ({EnvironmentVariable}={Environment.GetEnvironmentVariable(EnvironmentVariable) ?? "<unset>"}); " +
                "build it, or set BERTH_TEST_RUNTIME=runc|crun|/absolute/path");
        }
    }

    /// <summary>Runs the runtime with <c>--root</c> first, then the given arguments.</summary>
    public ExecResult Invoke(string root, string scratchDir, ExecOptions? options, IEnumerable<string> args)
    {
        EnsureAvailable();
        var all = new List<string> { "--root", root };
        all.AddRange(args);
        return ProcessRunner.Run(Executable, all, scratchDir, options);
    }

    private static RuntimeUnderTest Resolve()
    {
        var selection = Environment.GetEnvironmentVariable(EnvironmentVariable);
        switch (string.IsNullOrWhiteSpace(selection) ? "berth" : selection.Trim())
        {
            case "berth":
                var berth = Path.Combine(RepoRoot.Location, "artifacts", "bin", "berth-runtime");
                return new RuntimeUnderTest("berth", berth, berth);
            case "runc":
                var runc = FindOnPath("runc");
                return new RuntimeUnderTest("runc", runc, runc);
            case "crun":
                var crun = FindOnPath("crun");
                return new RuntimeUnderTest("crun", CrunWrapper.Create(crun), crun);
            case var path when Path.IsPathRooted(path):
                return new RuntimeUnderTest(Path.GetFileName(path), path, path);
            case var other:
                throw new InvalidOperationException($"{EnvironmentVariable}={other}: expected berth, runc, crun or an absolute path");
        }
    }

    private static string FindOnPath(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "/usr/bin/" + name;
    }

    private string GenerateSpec()
    {
        var dir = Directory.CreateTempSubdirectory("berth-it-spec-").FullName;
        try
        {
            var result = Invoke(Path.Combine(dir, "root"), dir, new ExecOptions { WorkingDirectory = dir }, ["spec"]);
            var config = Path.Combine(dir, "config.json");
            if (!result.Succeeded || !File.Exists(config))
            {
                throw new InvalidOperationException($"`{Name} spec` did not produce config.json\n{result}");
            }

            return File.ReadAllText(config);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>Locates the repository root: the nearest ancestor of the test assembly holding build.sh or .git.</summary>
public static class RepoRoot
{
    private static readonly Lazy<string> s_path = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) || Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no directory containing build.sh or .git above {AppContext.BaseDirectory}");
    });

    public static string Location => s_path.Value;
}

/// <summary>
/// crun 1.8.1 refuses this host ("cgroups in hybrid mode not supported") because the cgroup2 mount at
/// /sys/fs/cgroup/unified lists hugetlb. The wrapper runs every crun invocation in a private mount
/// namespace with that mount removed, as /work/shared/anchors/lib.sh does; the host is not changed.
/// unshare execs (no fork), so the wrapper's pid is crun's pid.
/// </summary>
public static class CrunWrapper
{
    public static string Create(string crun)
    {
        var dir = Directory.CreateTempSubdirectory("berth-it-crun-").FullName;
        var wrapper = System.IO.Path.Combine(dir, "crun");
        File.WriteAllText(wrapper,
            "#!/bin/sh\n" +
            "# crun refuses a hybrid cgroup host: drop the cgroup2 mount in a mount namespace of its own\n" +
            $"exec unshare --mount --propagation private /bin/sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec {crun} \"$@\"' crun \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return wrapper;
    }
}
