using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// Base of every test class: one <see cref="Cleanup"/>, temp dir and --root per test (xunit makes a
/// new instance per test), and the runtime verbs as small helpers that log each invocation.
/// </summary>
public abstract class RuntimeTest : IDisposable
{
    /// <summary>Prefix of every cgroup the suite makes. Each container gets its own top-level cgroup:
    /// a shared parent would be removed by one test's cleanup while another's runtime creates a child in it.</summary>
    public const string CgroupPrefix = "berth-";

    private int _bundles;

    protected RuntimeTest(ITestOutputHelper output)
    {
        Output = output;
        Runtime = RuntimeUnderTest.Current;
        Runtime.EnsureAvailable();
        Cleanup = new Cleanup(Log);
        Dir = Cleanup.NewTempDir();
        // --root sits alone in its parent, so that an id escaping it ("../x") shows up there
        Root = Path.Combine(Directory.CreateDirectory(Path.Combine(Dir, "state")).FullName, "root");
    }

    protected ITestOutputHelper Output { get; }
    protected Cleanup Cleanup { get; }
    protected RuntimeUnderTest Runtime { get; }

    /// <summary>The test's temp dir; everything it makes goes below it.</summary>
    protected string Dir { get; }

    /// <summary>The runtime's --root (state dir) for this test.</summary>
    protected string Root { get; }

    public void Dispose()
    {
        Cleanup.Dispose();
        GC.SuppressFinalize(this);
    }

    protected void Log(string message)
    {
        try
        {
            Output.WriteLine(message);
        }
        catch (InvalidOperationException)
        {
        }
    }

    protected static string NewId(string hint = "c") => $"it-{hint}-{Guid.NewGuid().ToString("N")[..12]}";

    protected static string CgroupsPathFor(string id) => $"/{CgroupPrefix}{id}";

    protected BusyboxBundle NewBundle() => BusyboxBundle.Create(Path.Combine(Dir, $"bundle{Interlocked.Increment(ref _bundles)}"));

    /// <summary>Invokes the runtime (with --root) and logs the result.</summary>
    protected ExecResult Rt(params string[] args) => Rt(null, args);

    protected ExecResult Rt(ExecOptions? options, params string[] args)
    {
        var result = Runtime.Invoke(Root, Dir, options, args);
        Log(result.ToString());
        return result;
    }

    /// <summary>`run --bundle B ID` in the foreground; the container's stdio are the returned result's.</summary>
    protected ExecResult RunForeground(BusyboxBundle bundle, string? id = null, ExecOptions? options = null, params string[] extraFlags)
    {
        id ??= NewId("run");
        Prepare(bundle, id);
        return Rt(options, ["run", .. extraFlags, "--bundle", bundle.Path, id]);
    }

    /// <summary>`create --bundle B ID`; the container's stdout/stderr go to the bundle's stdout.txt/stderr.txt.</summary>
    protected ExecResult Create(BusyboxBundle bundle, string id, params string[] extraFlags)
    {
        Prepare(bundle, id);
        return Rt(new ExecOptions { StdoutPath = bundle.StdoutPath, StderrPath = bundle.StderrPath },
            ["create", .. extraFlags, "--bundle", bundle.Path, id]);
    }

    protected void MustCreate(BusyboxBundle bundle, string id, params string[] extraFlags)
    {
        var r = Create(bundle, id, extraFlags);
        Assert.True(r.Succeeded, $"create {id} failed\n{r}\n--- container stderr ---\n{bundle.ReadStderr()}");
    }

    /// <summary>`run --detach`; the container's stdout/stderr go to the bundle's files.</summary>
    protected ExecResult RunDetached(BusyboxBundle bundle, string id, params string[] extraFlags)
    {
        Prepare(bundle, id);
        return Rt(new ExecOptions { StdoutPath = bundle.StdoutPath, StderrPath = bundle.StderrPath },
            ["run", "--detach", .. extraFlags, "--bundle", bundle.Path, id]);
    }

    protected void MustRunDetached(BusyboxBundle bundle, string id, params string[] extraFlags)
    {
        var r = RunDetached(bundle, id, extraFlags);
        Assert.True(r.Succeeded, $"run --detach {id} failed\n{r}\n--- container stderr ---\n{bundle.ReadStderr()}");
    }

    /// <summary>create + start + wait until stopped; returns the container's stdout. Fails the test on any error.</summary>
    protected string CreateStartAndWait(BusyboxBundle bundle, string? id = null)
    {
        id ??= NewId("cs");
        MustCreate(bundle, id);
        Must(Rt("start", id));
        WaitForStatus(id, "stopped");
        return bundle.ReadStdout();
    }

    /// <summary>`run` in the foreground, which must exit 0; returns the container's stdout.</summary>
    protected string MustRun(BusyboxBundle bundle, string? id = null, ExecOptions? options = null, params string[] extraFlags)
    {
        var r = RunForeground(bundle, id, options, extraFlags);
        Assert.True(r.Succeeded, $"run failed\n{r}");
        return r.Stdout;
    }

    protected static ExecResult Must(ExecResult result)
    {
        Assert.True(result.Succeeded, result.ToString());
        return result;
    }

    protected JsonObject State(string id)
    {
        var r = Must(Rt("state", id));
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    protected string? Status(string id)
    {
        var r = Rt("state", id);
        return r.Succeeded ? (string?)JsonNode.Parse(r.Stdout)?["status"] : null;
    }

    protected int Pid(string id) => (int)State(id)["pid"]!;

    protected void WaitForStatus(string id, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var r = Runtime.Invoke(Root, Dir, null, ["state", id]);
            last = r.Succeeded ? (string?)JsonNode.Parse(r.Stdout)?["status"] : $"state failed: {r.Stderr.Trim()}";
            if (last == status)
            {
                return;
            }

            Thread.Sleep(25);
        }

        Assert.Fail($"container {id} did not reach status '{status}' (last: {last})");
    }

    /// <summary>The host's namespace link for the harness process, e.g. "net:[4026531840]".</summary>
    protected static string HostNamespace(string type) =>
        new FileInfo($"/proc/self/ns/{type}").LinkTarget ?? throw new InvalidOperationException($"no /proc/self/ns/{type}");

    /// <summary>A failed create left no container, no state directory and no cgroup behind.</summary>
    protected void AssertCreateLeftNothing(string id)
    {
        Assert.False(Rt("state", id).Succeeded, "a failed create leaves no container");
        Assert.False(Directory.Exists(Path.Combine(Root, id)), "a failed create leaves no state dir");
        Assert.Empty(Cleanup.CgroupDirs(CgroupsPathFor(id)));
    }

    /// <summary>Writes config.json for container <paramref name="id"/> and registers it (and its cgroup) for cleanup.</summary>
    protected void Prepare(BusyboxBundle bundle, string id)
    {
        Cleanup.Container(Root, id);
        // an id the runtime must refuse ("../x", 1025 chars) never becomes a cgroup path
        var safe = id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        var cgroupsPath = CgroupsPathFor(safe ? id : NewId("cg"));
        Cleanup.Cgroup(cgroupsPath);
        bundle.Save(cgroupsPath);
    }
}
