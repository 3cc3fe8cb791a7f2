using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Berth.Oci.Runtime;
using Berth.Oci.Runtime.Json;

namespace Berth.Oci.Tests.Runtime;

public class SpecRoundTripTests
{
    [Fact]
    public void Runc_spec_output_is_written_back_byte_for_byte()
    {
        var spec = Specs.Parse(RuncSamples.Spec);

        Assert.Equal(RuncSamples.Spec, OciJson.SerializeSpec(spec));
    }

    [Fact]
    public void Runc_rootless_spec_output_is_written_back_byte_for_byte()
    {
        var spec = Specs.Parse(RuncSamples.RootlessSpec);

        Assert.Equal(RuncSamples.RootlessSpec, OciJson.SerializeSpec(spec));
    }

    [Fact]
    public void Full_config_survives_a_round_trip_with_every_field()
    {
        var spec = SpecReader.Read(System.Text.Encoding.UTF8.GetBytes(FullConfig.Json), "config.json");

        var written = OciJson.SerializeSpec(spec);

        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(FullConfig.Json), JsonNode.Parse(written)),
            $"round trip changed the document:\n{written}");
    }

    [Fact]
    public void Full_config_sets_every_property_of_the_model()
    {
        var all = new HashSet<string>();
        var covered = new HashSet<string>();
        Walk(OciJsonContext.Default.Spec, JsonNode.Parse(FullConfig.Json), all, covered);

        Assert.Empty(all.Except(covered).Order());
    }

    [Fact]
    public void Full_config_values_land_in_the_right_properties()
    {
        var spec = SpecReader.Read(System.Text.Encoding.UTF8.GetBytes(FullConfig.Json), "config.json");

        Assert.Equal(1000u, spec.Process!.User.Uid);
        Assert.Equal(18u, spec.Process.User.Umask);
        Assert.Equal(-500, spec.Process.OomScoreAdj);
        Assert.Equal(100000u, spec.Linux!.UidMappings![0].HostId);
        Assert.Equal(512, spec.Linux.Resources!.Pids!.Limit);
        Assert.Equal(-1, spec.Linux.Resources.Memory!.Kernel);
        Assert.Equal(255ul, spec.Linux.Seccomp!.Syscalls![0].Args![0].ValueTwo);
        Assert.Equal(-60, spec.Linux.TimeOffsets!["boottime"].Secs);
        Assert.Equal(438u, spec.Linux.Devices![0].FileMode);
    }

    [Fact]
    public void Unknown_fields_are_tolerated_at_every_level()
    {
        var spec = Specs.Parse("""
            {
              "ociVersion": "1.2.0",
              "root": {"path": "rootfs", "future": 1},
              "process": {"args": ["sh"], "cwd": "/", "somethingNew": {"a": [1, 2]}},
              "windows": {"layerFolders": ["C:\\layers"]},
              "vm": {"kernel": {"path": "/vmlinuz"}},
              "linux": {"netDevices": {"eth0": {"name": "eth1"}}, "memoryPolicy": {"mode": "MPOL_BIND"}}
            }
            """);

        Assert.Equal(["sh"], spec.Process!.Args!);
    }

    [Fact]
    public void Absent_optional_fields_are_not_written()
    {
        var spec = new Spec { OciVersion = "1.2.0", Root = new Root { Path = "rootfs" } };

        Assert.Equal("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"root\": {\n\t\t\"path\": \"rootfs\"\n\t}\n}", OciJson.SerializeSpec(spec));
    }

    [Fact]
    public void Required_fields_of_the_process_are_written_even_when_zero()
    {
        var spec = new Spec { OciVersion = "1.2.0", Process = new Process() };

        var process = JsonNode.Parse(OciJson.SerializeSpec(spec))!["process"]!.AsObject();

        Assert.Equal(["user", "cwd"], process.Select(p => p.Key));
        Assert.Equal(0u, process["user"]!["uid"]!.GetValue<uint>());
    }

    [Fact]
    public void Plus_signs_and_non_ascii_are_written_unescaped_as_go_does()
    {
        var spec = new Spec { OciVersion = "1.2.0+dev", Hostname = "bôx" };

        var written = OciJson.SerializeSpec(spec);

        Assert.Contains("\"1.2.0+dev\"", written);
        Assert.Contains("\"bôx\"", written);
    }

    /// <summary>Records every model property reachable from <paramref name="info"/> and those the document sets somewhere.</summary>
    private static void Walk(JsonTypeInfo info, JsonNode? node, HashSet<string> all, HashSet<string> covered)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                foreach (var property in info.Properties)
                {
                    var key = $"{info.Type.Name}.{property.Name}";
                    var child = node is JsonObject obj ? obj[property.Name] : null;
                    if (child is not null)
                    {
                        covered.Add(key);
                    }

                    if (all.Add(key) || child is not null)
                    {
                        Walk(info.Options.GetTypeInfo(property.PropertyType), child, all, covered);
                    }
                }

                break;
            case JsonTypeInfoKind.Enumerable:
                var items = node is JsonArray array ? array.ToList() : [null];
                items.ForEach(item => Walk(info.Options.GetTypeInfo(info.ElementType!), item, all, covered));
                break;
            case JsonTypeInfoKind.Dictionary:
                var values = node is JsonObject map ? map.Select(p => p.Value).ToList() : [null];
                values.ForEach(value => Walk(info.Options.GetTypeInfo(info.ElementType!), value, all, covered));
                break;
        }
    }
}
