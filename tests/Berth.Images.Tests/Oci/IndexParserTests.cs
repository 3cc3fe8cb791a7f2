using System.Text;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Oci;

public class IndexParserTests
{
    private static readonly Digest Blob = Digest.Compute("index"u8);
    private static readonly string A = Digest.Compute("a"u8).ToString();
    private static readonly string B = Digest.Compute("b"u8).ToString();

    private static readonly string Index = $$"""
        {
          "schemaVersion": 2,
          "mediaType": "{{MediaTypes.OciIndex}}",
          "manifests": [
            { "mediaType": "{{MediaTypes.OciManifest}}", "digest": "{{A}}", "size": 7143,
              "platform": { "architecture": "arm64", "os": "linux", "variant": "v8", "os.features": ["x"] } },
            { "mediaType": "{{MediaTypes.OciManifest}}", "digest": "{{B}}", "size": 566,
              "annotations": { "vnd.docker.reference.type": "attestation-manifest" },
              "platform": { "architecture": "unknown", "os": "unknown" } }
          ]
        }
        """;

    [Fact]
    public void Parses_an_index_with_platforms()
    {
        var doc = ManifestParser.Parse(Encoding.UTF8.GetBytes(Index), Blob);
        var index = doc.Index!;
        Assert.Equal(2, index.Manifests.Count);
        var p = index.Manifests[0].Platform!;
        Assert.Equal(("linux", "arm64", "v8", "x"), (p.OS, p.Architecture, p.Variant, p.OSFeatures![0]));
    }

    [Fact]
    public void Index_entry_with_a_bad_digest_names_its_path()
    {
        var json = Index.Replace(B, "sha256:short");
        var e = Assert.Throws<ImageFormatException>(() => ManifestParser.ParseIndex(Encoding.UTF8.GetBytes(json), Blob));
        Assert.Equal($"index {Blob}: manifests[1].digest: sha256 needs 64 lowercase hex digits", e.Message);
    }

    [Fact]
    public void Index_entry_platform_without_architecture_is_refused_by_path()
    {
        var json = Index.Replace("\"architecture\": \"unknown\", ", "");
        var e = Assert.Throws<ImageFormatException>(() => ManifestParser.ParseIndex(Encoding.UTF8.GetBytes(json), Blob));
        Assert.Equal($"index {Blob}: manifests[1].platform.architecture: missing", e.Message);
    }

    [Fact]
    public void Docker_manifest_list_is_an_index()
    {
        var json = Index.Replace(MediaTypes.OciIndex, MediaTypes.DockerManifestList);
        Assert.NotNull(ManifestParser.Parse(Encoding.UTF8.GetBytes(json), Blob).Index);
    }

    [Fact]
    public void Parsing_a_manifest_as_an_index_is_refused()
    {
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{MediaTypes.OciManifest}}", "config": {}, "layers": [] }""";
        var e = Assert.Throws<ImageFormatException>(() => ManifestParser.ParseIndex(Encoding.UTF8.GetBytes(json), Blob));
        Assert.Contains("mediaType: expected an image index", e.Message);
    }
}
