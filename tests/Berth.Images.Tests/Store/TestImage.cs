using System.IO.Compression;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;
using Berth.Images.Store;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Store;

/// <summary>Writes an OCI image (gzip layers, config, manifest) straight into a store, as a pull or load would.</summary>
internal static class TestImage
{
    public static Descriptor Write(ImageStore store, params LayerTar[] layers) => Write(store, null, layers);

    public static Descriptor Write(ImageStore store, ExecutionConfig? config, params LayerTar[] layers)
    {
        var layerDescriptors = new List<Descriptor>();
        var diffIds = new List<Digest>();
        foreach (var layer in layers)
        {
            var tar = layer.ToTar();
            diffIds.Add(Digest.Compute(tar));
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
                z.Write(tar);
            layerDescriptors.Add(Put(store, gz.ToArray(), MediaTypes.OciLayerGzip));
        }
        var imageConfig = new ImageConfig
        {
            Architecture = "amd64",
            OS = "linux",
            Config = config,
            RootFs = new RootFs { Type = "layers", DiffIds = diffIds },
        };
        var configDescriptor = Put(store, JsonSerializer.SerializeToUtf8Bytes(imageConfig, OciImageJson.Default.ImageConfig), MediaTypes.OciConfig);
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            Config = configDescriptor,
            Layers = layerDescriptors,
        };
        return Put(store, JsonSerializer.SerializeToUtf8Bytes(manifest, OciImageJson.Default.ImageManifest), MediaTypes.OciManifest);
    }

    private static Descriptor Put(ImageStore store, byte[] data, string mediaType)
    {
        var digest = Digest.Compute(data);
        store.Content.Ingest(digest.ToString(), new MemoryStream(data), data.Length, digest);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = data.Length };
    }
}
