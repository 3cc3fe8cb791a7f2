using System.Text;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Tests.Oci;

public class ManifestParserTests
{
    private static readonly Digest Blob = Digest.Compute("manifest"u8);
    private static readonly string A = Digest.Compute("a"u8).ToString();
    private static readonly string B = Digest.Compute("b"u8).ToString();

    private static string Manifest(string layer = "", string mediaType = MediaTypes.OciManifest) => $$"""
        {
          "schemaVersion": 2,
          "mediaType": "{{mediaType}}",
          "config": { "mediaType": "{{MediaTypes.OciConfig}}", "digest": "{{A}}", "size": 7023 },
          "layers": [
            { "mediaType": "{{MediaTypes.OciLayerGzip}}", "digest": "{{B}}", "size": 32654 }{{layer}}
          ],
          "annotations": { "com.example.key": "value" },
          "futureField": [1, 2, 3]
        }
        """;

    private static ImageFormatException Refused(string json, string? descriptorMediaType = null) =>
        Assert.Throws<ImageFormatException>(() => ManifestParser.ParseManifest(Encoding.UTF8.GetBytes(json), Blob, descriptorMediaType));

    [Fact]
    public void Parses_an_oci_manifest_and_ignores_unknown_fields()
    {
        var m = ManifestParser.ParseManifest(Encoding.UTF8.GetBytes(Manifest()), Blob);
        Assert.Equal(A, m.Config!.Digest.ToString());
        Assert.Equal(7023, m.Config.Size);
        var layer = Assert.Single(m.Layers);
        Assert.Equal((MediaTypes.OciLayerGzip, B, 32654L), (layer.MediaType, layer.Digest.ToString(), layer.Size));
        Assert.Equal("value", m.Annotations!["com.example.key"]);
    }

    [Fact]
    public void Parses_a_docker_schema2_manifest()
    {
        var json = Manifest(mediaType: MediaTypes.DockerManifest).Replace(MediaTypes.OciLayerGzip, MediaTypes.DockerLayerGzip);
        var m = ManifestParser.ParseManifest(Encoding.UTF8.GetBytes(json), Blob);
        Assert.Equal(MediaTypes.DockerManifest, m.MediaType);
        Assert.Equal(LayerCompression.Gzip, MediaTypes.LayerCompressionOf(m.Layers[0].MediaType));
    }

    [Fact]
    public void Layer_digest_of_an_unsupported_algorithm_names_its_path()
    {
        var e = Refused(Manifest($$""", { "mediaType": "{{MediaTypes.OciLayer}}", "digest": "sha256:{{new string('0', 64)}}", "size": 1 }, { "mediaType": "{{MediaTypes.OciLayer}}", "digest": "md5:d41d8cd98f00b204e9800998ecf8427e", "size": 1 }"""));
        Assert.Equal($"manifest {Blob}: layers[2].digest: unsupported algorithm \"md5\"", e.Message);
    }

    [Fact]
    public void Layer_of_an_unknown_media_type_is_refused_by_path()
    {
        var e = Refused(Manifest().Replace(MediaTypes.OciLayerGzip, "application/x-foo"));
        Assert.Equal($"manifest {Blob}: layers[0].mediaType: unsupported media type \"application/x-foo\"", e.Message);
    }

    [Fact]
    public void Negative_size_is_refused_by_path()
    {
        var e = Refused(Manifest().Replace("32654", "-1"));
        Assert.Equal($"manifest {Blob}: layers[0].size: must be a non-negative integer", e.Message);
    }

    [Fact]
    public void Missing_config_digest_is_refused_by_path()
    {
        var e = Refused(Manifest().Replace($"\"digest\": \"{A}\", ", ""));
        Assert.Equal($"manifest {Blob}: config.digest: missing", e.Message);
    }

    [Fact]
    public void Missing_layer_size_is_refused_by_path()
    {
        var e = Refused(Manifest().Replace(", \"size\": 32654", ""));
        Assert.Equal($"manifest {Blob}: layers[0].size: must be a non-negative integer", e.Message);
    }

    [Fact]
    public void Manifest_without_layers_parses_to_an_empty_list()
    {
        var json = $$"""{ "schemaVersion": 2, "mediaType": "{{MediaTypes.OciManifest}}", "config": { "mediaType": "{{MediaTypes.OciConfig}}", "digest": "{{A}}", "size": 2 } }""";
        Assert.Empty(ManifestParser.ParseManifest(Encoding.UTF8.GetBytes(json), Blob).Layers);
    }

    [Fact]
    public void Wrong_json_type_is_refused_with_the_path()
    {
        var e = Refused(Manifest().Replace("7023", "\"big\""));
        Assert.StartsWith($"manifest {Blob}: config.size: ", e.Message);
    }

    [Fact]
    public void Null_list_is_refused_by_path()
    {
        var e = Refused(Manifest().Replace("\"annotations\": { \"com.example.key\": \"value\" }", "\"annotations\": null, \"layers\": null"));
        Assert.Equal($"manifest {Blob}: layers: must not be null", e.Message);
    }

    [Fact]
    public void Schema_version_other_than_2_is_refused()
    {
        var e = Refused(Manifest().Replace("\"schemaVersion\": 2", "\"schemaVersion\": 3"));
        Assert.Equal($"manifest {Blob}: schemaVersion: must be 2, got 3", e.Message);
    }

    [Fact]
    public void Docker_schema1_is_refused_by_name()
    {
        var json = """{ "schemaVersion": 1, "name": "library/busybox", "tag": "latest", "fsLayers": [], "signatures": [] }""";
        var e = Refused(json, MediaTypes.DockerManifestSchema1Signed);
        Assert.Contains("docker image manifest schema 1", e.Message);
        Assert.Contains(MediaTypes.DockerManifestSchema1Signed, e.Message);
    }

    [Fact]
    public void Media_type_that_contradicts_the_descriptor_is_refused()
    {
        var e = Refused(Manifest(), MediaTypes.OciIndex);
        Assert.Equal($"manifest {Blob}: mediaType \"{MediaTypes.OciManifest}\" does not match the descriptor's \"{MediaTypes.OciIndex}\"", e.Message);
    }

    [Fact]
    public void Document_over_4_MiB_is_refused_before_parsing()
    {
        var json = new byte[ManifestParser.MaxDocumentSize + 1];
        var e = Assert.Throws<ImageFormatException>(() => ManifestParser.ParseManifest(json, Blob));
        Assert.Contains("exceeds 4 MiB limit", e.Message);
    }

    [Fact]
    public void Malformed_json_is_refused_naming_the_blob()
    {
        var e = Refused("{ \"schemaVersion\": 2, ");
        Assert.StartsWith($"manifest {Blob}: ", e.Message);
    }

    [Fact]
    public void Embedded_data_that_does_not_hash_to_the_digest_is_refused()
    {
        var json = Manifest().Replace("\"size\": 7023", "\"size\": 7023, \"data\": \"aGVsbG8=\"");
        var e = Refused(json);
        Assert.Equal($"manifest {Blob}: config.data: does not match the descriptor's size and digest", e.Message);
    }

    [Fact]
    public void Media_type_is_taken_from_the_descriptor_when_the_document_has_none()
    {
        var json = Manifest().Replace($"\"mediaType\": \"{MediaTypes.OciManifest}\",", "");
        Assert.Equal(MediaTypes.DockerManifest, ManifestParser.DetectMediaType(Encoding.UTF8.GetBytes(json), Blob, MediaTypes.DockerManifest));
    }

    [Fact]
    public void Media_type_is_guessed_from_the_shape_without_any_other_hint()
    {
        var json = Manifest().Replace($"\"mediaType\": \"{MediaTypes.OciManifest}\",", "");
        var doc = ManifestParser.Parse(Encoding.UTF8.GetBytes(json), Blob);
        Assert.Equal(MediaTypes.OciManifest, doc.MediaType);
        Assert.NotNull(doc.Manifest);
    }
}
