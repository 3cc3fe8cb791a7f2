using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.Store;

namespace Berth.Cli.IntegrationTests;

/// <summary>Builds a two-platform image (an OCI index over an amd64 and an arm64 manifest) in a store, for push and pull tests.</summary>
internal static class PushTestImages
{
    public static void SeedTwoPlatformIndex(string root, string name)
    {
        using var store = ImageStore.Open(root);
        var manifests = new List<Descriptor>();
        foreach (var arch in new[] { "amd64", "arm64" })
        {
            var tar = new MemoryStream();
            using (var w = new TarWriter(tar, leaveOpen: true))
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "arch.txt") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(arch + "\n")) });
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                z.Write(tar.ToArray());
            var layer = Put(store, gz.ToArray(), MediaTypes.OciLayerGzip);
            var config = new ImageConfig
            {
                Architecture = arch,
                OS = "linux",
                Created = DateTimeOffset.UtcNow,
                RootFs = new RootFs { Type = "layers", DiffIds = [Digest.Compute(tar.ToArray())] },
            };
            var configDescriptor = Put(store, JsonSerializer.SerializeToUtf8Bytes(config, OciImageJson.Default.ImageConfig), MediaTypes.OciConfig);
            var manifest = new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = [layer] };
            manifests.Add(Put(store, JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest)
                with
            { Platform = new Platform { OS = "linux", Architecture = arch } });
        }
        var index = new ImageIndex { SchemaVersion = 2, MediaType = MediaTypes.OciIndex, Manifests = manifests };
        store.Register(name, Put(store, JsonSerializer.SerializeToUtf8Bytes(index, OciImageJson.Default.ImageIndex), MediaTypes.OciIndex));
    }

    private static Descriptor Put(ImageStore store, byte[] data, string mediaType)
    {
        var digest = Digest.Compute(data);
        store.Content.Ingest(digest.ToString(), new MemoryStream(data), data.Length, digest);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = data.Length };
    }
}
