using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Runtime.IntegrationTests.Harness;

/// <summary>
/// An OCI bundle in a temp dir: a busybox-static rootfs and the config.json printed by the runtime's
/// own <c>spec</c>, edited (terminal off, writable root, the test's args). Tests edit <see cref="Config"/>
/// through the helpers or directly; it is written to disk when a container is created from it.
/// </summary>
public sealed class BusyboxBundle
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>A file only this rootfs has at its root: seeing it proves a path resolved inside the container.</summary>
    public const string RootfsMarker = ".berth-rootfs-marker";

    private static readonly Lazy<string[]> s_applets = new(ListApplets);

    private BusyboxBundle(string path, JsonObject config)
    {
        Path = path;
        Config = config;
    }

    public string Path { get; }
    public string Rootfs => System.IO.Path.Combine(Path, "rootfs");
    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");

    /// <summary>Where create/run --detach send the container's stdout and stderr.</summary>
    public string StdoutPath => System.IO.Path.Combine(Path, "stdout.txt");
    public string StderrPath => System.IO.Path.Combine(Path, "stderr.txt");

    public JsonObject Config { get; }
    public JsonObject Process => (JsonObject)Config["process"]!;
    public JsonObject Linux => Config["linux"] as JsonObject ?? (JsonObject)(Config["linux"] = new JsonObject());
    public JsonArray Mounts => (JsonArray)Config["mounts"]!;
    public JsonArray Namespaces => Linux["namespaces"] as JsonArray ?? (JsonArray)(Linux["namespaces"] = new JsonArray());

    public static BusyboxBundle Create(string path)
    {
        Directory.CreateDirectory(path);
        BuildRootfs(System.IO.Path.Combine(path, "rootfs"));
        var config = JsonNode.Parse(RuntimeUnderTest.Current.SpecJson)!.AsObject();
        var bundle = new BusyboxBundle(path, config);
        bundle.Process["terminal"] = false;
        bundle.Config["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = false };
        bundle.Args("/bin/true");
        return bundle;
    }

    public BusyboxBundle Args(params string[] args)
    {
        Process["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        return this;
    }

    /// <summary>process.args = /bin/sh -c SCRIPT</summary>
    public BusyboxBundle Shell(string script) => Args("/bin/sh", "-c", script);

    public BusyboxBundle ReadonlyRoot(bool value = true)
    {
        Config["root"]!["readonly"] = value;
        return this;
    }

    public BusyboxBundle AddMount(string destination, string type, string source, params string[] options)
    {
        var mount = new JsonObject { ["destination"] = destination, ["type"] = type, ["source"] = source };
        if (options.Length > 0)
        {
            mount["options"] = new JsonArray(options.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray());
        }

        Mounts.Add(mount);
        return this;
    }

    /// <summary>Removes every mount whose destination is <paramref name="destination"/> or below it.</summary>
    public BusyboxBundle RemoveMounts(string destination)
    {
        foreach (var m in Mounts.ToList())
        {
            var dest = (string?)m!["destination"] ?? "";
            if (dest == destination || dest.StartsWith(destination.TrimEnd('/') + "/", StringComparison.Ordinal))
            {
                Mounts.Remove(m);
            }
        }

        return this;
    }

    public bool HasNamespace(string type) => Namespaces.Any(n => (string?)n!["type"] == type);

    /// <summary>Adds (or replaces) a namespace entry, optionally joining an existing one by path.</summary>
    public BusyboxBundle Namespace(string type, string? path = null)
    {
        RemoveNamespace(type);
        var ns = new JsonObject { ["type"] = type };
        if (path is not null)
        {
            ns["path"] = path;
        }

        Namespaces.Add(ns);
        return this;
    }

    public BusyboxBundle RemoveNamespace(string type)
    {
        foreach (var n in Namespaces.Where(n => (string?)n!["type"] == type).ToList())
        {
            Namespaces.Remove(n);
        }

        return this;
    }

    public BusyboxBundle Env(string name, string value)
    {
        var env = Process["env"] as JsonArray ?? (JsonArray)(Process["env"] = new JsonArray());
        foreach (var e in env.Where(e => ((string?)e ?? "").StartsWith(name + "=", StringComparison.Ordinal)).ToList())
        {
            env.Remove(e);
        }

        env.Add(name + "=" + value);
        return this;
    }

    /// <summary>Writes config.json with linux.cgroupsPath set to <paramref name="cgroupsPath"/>.</summary>
    public void Save(string cgroupsPath)
    {
        Linux["cgroupsPath"] = cgroupsPath;
        var tmp = ConfigPath + ".tmp";
        File.WriteAllText(tmp, Config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, ConfigPath, overwrite: true);
    }

    public string ReadStdout() => ProcessRunner.ReadText(StdoutPath);
    public string ReadStderr() => ProcessRunner.ReadText(StderrPath);

    private static void BuildRootfs(string rootfs)
    {
        foreach (var dir in new[] { "bin", "etc", "proc", "sys", "dev", "root", "home/alice", "tmp", "var", "mnt" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(rootfs, dir));
        }

        File.SetUnixFileMode(System.IO.Path.Combine(rootfs, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        File.Copy(BusyboxPath, System.IO.Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in s_applets.Value)
        {
            if (applet != "busybox")
            {
                File.CreateSymbolicLink(System.IO.Path.Combine(rootfs, "bin", applet), "busybox");
            }
        }

        File.WriteAllText(System.IO.Path.Combine(rootfs, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\n" +
            "alice:x:1000:1000:alice:/home/alice:/bin/sh\n" +
            "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(System.IO.Path.Combine(rootfs, "etc", "group"),
            "root:x:0:\n" +
            "alice:x:1000:\n" +
            "berth:x:4242:alice\n" +
            "nogroup:x:65534:\n");
        File.WriteAllText(System.IO.Path.Combine(rootfs, RootfsMarker), "rootfs\n");
    }

    private static string[] ListApplets()
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} not found: apt-get install -y busybox-static");
        }

        var psi = new ProcessStartInfo(BusyboxPath, "--list") { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var list = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
