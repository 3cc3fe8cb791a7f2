using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Formats;

/// <summary>Builds real images in a content store: tar layers (gzip or not), an OCI config and manifest.</summary>
public static class TestImage
{
    /// <summary>A tar holding the given files (path → content), with the parent directories; the same files give the same bytes.</summary>
    public static byte[] Tar(params (string Path, byte[] Data)[] files)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            var dirs = new HashSet<string>();
            foreach (var (path, data) in files)
            {
                var slash = path.LastIndexOf('/');
                if (slash > 0 && dirs.Add(path[..slash]))
                    tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, path[..slash] + "/") { Mode = (UnixFileMode)0b111_101_101, ModificationTime = DateTimeOffset.UnixEpoch });
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, path) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = DateTimeOffset.UnixEpoch, DataStream = new MemoryStream(data) });
            }
        }
        return buffer.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return buffer.ToArray();
    }

    public static Descriptor Put(ContentStore store, string mediaType, byte[] data)
    {
        var digest = Digest.Compute(data);
        store.Ingest(new MemoryStream(data), new Descriptor { Digest = digest, Size = data.Length });
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = data.Length };
    }

    /// <summary>An OCI image whose layers are gzip-compressed <paramref name="layers"/> (uncompressed tars); returns its manifest.</summary>
    public static Descriptor Build(ContentStore store, params byte[][] layers)
    {
        var descriptors = layers.Select(l => Put(store, MediaTypes.OciLayerGzip, Gzip(l))).ToList();
        var diffIds = string.Join(",", layers.Select(l => $"\"{Digest.Compute(l)}\""));
        var config = Put(store, MediaTypes.OciConfig, Encoding.UTF8.GetBytes($$$"""
            {"architecture":"{{{Platform.Host.Architecture}}}","os":"linux","config":{"Cmd":["/bin/busybox","sh"]},"rootfs":{"type":"layers","diff_ids":[{{{diffIds}}}]}}
            """));
        var layerJson = string.Join(",", descriptors.Select(Json));
        return Put(store, MediaTypes.OciManifest, Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{Json(config)}},"layers":[{{layerJson}}]}
            """));
    }

    /// <summary>A small two-layer image: a file, then a second file on top.</summary>
    public static Descriptor BuildSmall(ContentStore store) =>
        Build(store, Tar(("etc/hello", "hello\n"u8.ToArray())), Tar(("etc/world", "world\n"u8.ToArray())));

    /// <summary>Two layers with a runnable busybox (package busybox-static) in the first.</summary>
    public static Descriptor BuildBusybox(ContentStore store) =>
        Build(store, Tar(("bin/busybox", File.ReadAllBytes("/bin/busybox"))), Tar(("etc/motd", "berth\n"u8.ToArray())));

    public static string Json(Descriptor d) => $$$"""{"mediaType":"{{{d.MediaType}}}","digest":"{{{d.Digest}}}","size":{{{d.Size}}}}""";

    /// <summary>A tar built from the given members, written in this order.</summary>
    public static void WriteTar(string path, params (string Name, byte[] Data)[] members)
    {
        using var file = File.Create(path);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, data) in members)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }
}
