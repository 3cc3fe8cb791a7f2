using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.Store;

namespace Berth.Cli.IntegrationTests;

/// <summary>
/// Seeds a store with a two-layer busybox image (Debian's busybox-static, no internet), as a pull
/// or a load would leave it: gzip layers, an OCI config and manifest, a name.
/// </summary>
internal static class BusyboxImage
{
    public const string Busybox = "/bin/busybox";

    public static void Seed(string root, string name, ExecutionConfig config)
    {
        using var store = ImageStore.Open(root);
        var baseLayer = Tar(w =>
        {
            Dir(w, "bin");
            Dir(w, "etc");
            Dir(w, "tmp");
            var file = new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0x1ED, DataStream = File.OpenRead(Busybox) };
            w.WriteEntry(file);
            foreach (var applet in new[] { "sh", "echo", "id", "cat", "true", "ls", "touch" })
                w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", Mode = (UnixFileMode)0x1FF });
            Text(w, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
            Text(w, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
        });
        var appLayer = Tar(w => Text(w, "etc/motd", "welcome to berth\n"));
        var layers = new List<Descriptor>();
        var diffIds = new List<Digest>();
        foreach (var tar in new[] { baseLayer, appLayer })
        {
            diffIds.Add(Digest.Compute(tar));
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                z.Write(tar);
            layers.Add(Put(store, gz.ToArray(), MediaTypes.OciLayerGzip));
        }
        var imageConfig = new ImageConfig
        {
            Architecture = "amd64",
            OS = "linux",
            Created = DateTimeOffset.UtcNow.AddHours(-3),
            Config = config,
            RootFs = new RootFs { Type = "layers", DiffIds = diffIds },
            History = [new HistoryEntry { CreatedBy = "busybox-static" }, new HistoryEntry { CreatedBy = "motd" }],
        };
        var configDescriptor = Put(store, JsonSerializer.SerializeToUtf8Bytes(imageConfig, OciImageJson.Default.ImageConfig), MediaTypes.OciConfig);
        var manifest = new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = layers };
        store.Register(name, Put(store, JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest));
    }

    private static byte[] Tar(Action<TarWriter> write)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, leaveOpen: true))
            write(w);
        return ms.ToArray();
    }

    private static void Dir(TarWriter w, string name) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED });

    private static void Text(TarWriter w, string name, string content) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });

    private static Descriptor Put(ImageStore store, byte[] data, string mediaType)
    {
        var digest = Digest.Compute(data);
        store.Content.Ingest(digest.ToString(), new MemoryStream(data), data.Length, digest);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = data.Length };
    }
}
