using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Tests.Client.Fakes;

/// <summary>A small real image (gzip layers with files, config, manifest) as bytes, ready to serve from a <see cref="FakeRegistry"/>.</summary>
internal sealed class TestImage
{
    public required List<(Descriptor Descriptor, byte[] Bytes)> Layers { get; init; }

    public required (Descriptor Descriptor, byte[] Bytes) Config { get; init; }

    public required byte[] Manifest { get; init; }

    public Digest ManifestDigest => Digest.Compute(Manifest);

    public static TestImage Create(string architecture = "amd64", int layers = 2, int layerPadding = 0)
    {
        var list = new List<(Descriptor, byte[])>();
        var diffIds = new List<Digest>();
        for (var i = 0; i < layers; i++)
        {
            var tar = new MemoryStream();
            using (var w = new TarWriter(tar, leaveOpen: true))
            {
                var content = Encoding.UTF8.GetBytes($"layer {i} for {architecture}\n");
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"file{i}.txt") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(content) });
                if (layerPadding > 0)
                    w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"random{i}.bin") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(layerPadding)) });
            }
            diffIds.Add(Digest.Compute(tar.ToArray()));
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                z.Write(tar.ToArray());
            var bytes = gz.ToArray();
            list.Add((new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(bytes), Size = bytes.Length }, bytes));
        }
        var config = new ImageConfig
        {
            Architecture = architecture,
            OS = "linux",
            RootFs = new RootFs { Type = "layers", DiffIds = diffIds },
        };
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config, OciImageJson.Default.ImageConfig);
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length };
        var manifest = new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = [.. list.Select(l => l.Item1)] };
        return new TestImage
        {
            Layers = list,
            Config = (configDescriptor, configBytes),
            Manifest = JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest),
        };
    }

    /// <summary>Blobs and the manifest, tagged, in <paramref name="repository"/>.</summary>
    public void ServeFrom(FakeRegistry registry, string repository, string tag = "latest")
    {
        foreach (var (_, bytes) in Layers)
            registry.PutBlob(repository, bytes);
        registry.PutBlob(repository, Config.Bytes);
        registry.PutManifest(repository, tag, Manifest, MediaTypes.OciManifest);
    }

    public static byte[] Index(params (TestImage Image, string Architecture)[] entries)
    {
        var index = new ImageIndex
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciIndex,
            Manifests = [.. entries.Select(e => new Descriptor
            {
                MediaType = MediaTypes.OciManifest,
                Digest = e.Image.ManifestDigest,
                Size = e.Image.Manifest.Length,
                Platform = new Platform { OS = "linux", Architecture = e.Architecture },
            })],
        };
        return JsonSerializer.SerializeToUtf8Bytes(index, OciImageJson.Default.ImageIndex);
    }
}
