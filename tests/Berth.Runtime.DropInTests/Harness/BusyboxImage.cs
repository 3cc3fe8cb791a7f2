using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Runtime.DropInTests.Harness;

/// <summary>
/// A one-layer image made here, without a registry: Debian's busybox-static as <c>/bin/busybox</c> plus
/// its applet symlinks, <c>/etc/passwd</c>, <c>/etc/group</c>, written as a docker-archive tar
/// (<c>docker save</c>'s format: <c>manifest.json</c>, the config JSON named by its digest, the layer
/// tar), which <c>ctr image import</c>, <c>docker load</c> and <c>podman load</c> all read.
/// </summary>
public static class BusyboxImage
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>The name every engine knows it by after the load.</summary>
    public const string Reference = "docker.io/library/busybox:berth-dropin";

    public static bool Available => File.Exists(BusyboxPath);

    /// <summary>Writes the archive to <paramref name="path"/> and returns it.</summary>
    public static string Write(string path)
    {
        var layer = BuildLayer();
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = "2026-01-01T00:00:00Z",
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                ["Cmd"] = new JsonArray("/bin/sh"),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject { ["created"] = "2026-01-01T00:00:00Z", ["created_by"] = "Berth.Runtime.DropInTests" }),
        };
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var configName = Convert.ToHexStringLower(SHA256.HashData(configBytes)) + ".json";
        var layerName = diffId["sha256:".Length..] + "/layer.tar";
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(Reference),
            ["Layers"] = new JsonArray(layerName),
        });

        using var file = File.Create(path);
        using (var tar = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true))
        {
            AddDir(tar, diffId["sha256:".Length..] + "/");
            AddFile(tar, layerName, layer);
            AddFile(tar, configName, configBytes);
            AddFile(tar, "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }

        return path;
    }

    private static byte[] BuildLayer()
    {
        var applets = ListApplets();
        using var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var dir in new[] { "bin/", "dev/", "etc/", "proc/", "root/", "sys/", "tmp/", "var/" })
            {
                AddDir(tar, dir, dir == "tmp/" ? (UnixFileMode)Convert.ToInt32("1777", 8) : null);
            }

            AddFile(tar, "bin/busybox", File.ReadAllBytes(BusyboxPath), executable: true);
            foreach (var applet in applets.Where(a => a != "busybox"))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet)
                {
                    LinkName = "busybox",
                    Mode = (UnixFileMode)Convert.ToInt32("777", 8),
                    ModificationTime = Epoch,
                });
            }

            AddFile(tar, "etc/passwd", Encoding.ASCII.GetBytes("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"));
            AddFile(tar, "etc/group", Encoding.ASCII.GetBytes("root:x:0:\nnogroup:x:65534:\n"));
        }

        return ms.ToArray();
    }

    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static void AddDir(TarWriter tar, string name, UnixFileMode? mode = null) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name)
        {
            Mode = mode ?? (UnixFileMode)Convert.ToInt32("755", 8),
            ModificationTime = Epoch,
        });

    private static void AddFile(TarWriter tar, string name, byte[] content, bool executable = false) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)Convert.ToInt32(executable ? "755" : "644", 8),
            ModificationTime = Epoch,
            DataStream = new MemoryStream(content),
        });

    private static string[] ListApplets()
    {
        var psi = new ProcessStartInfo(BusyboxPath, "--list") { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
