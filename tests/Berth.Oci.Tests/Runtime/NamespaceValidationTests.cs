using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class NamespaceValidationTests
{
    [Fact]
    public void Unknown_namespace_type_is_refused_with_its_index()
    {
        var spec = Specs.Valid();
        spec.Linux!.Namespaces![2].Type = "foo";

        Assert.Equal("config.json: linux.namespaces[2].type: unknown namespace type \"foo\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Duplicate_namespace_type_is_refused_at_the_second_entry()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "pid", "/proc/1/ns/pid");

        Assert.Equal("config.json: linux.namespaces[6].type: duplicate namespace type \"pid\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Relative_namespace_path_is_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.Namespaces![1].Path = "netns/box";

        Assert.Equal("config.json: linux.namespaces[1].path: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Every_spec_namespace_type_is_accepted()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "time");
        Specs.AddNamespace(spec, "user");
        spec.Linux!.UidMappings = [new LinuxIdMapping { HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { HostId = 100000, Size = 65536 }];

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Uid_mappings_without_a_user_namespace_are_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.UidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }];

        Assert.Equal("config.json: linux.uidMappings: requires a user namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Gid_mappings_without_a_user_namespace_are_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.GidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }];

        Assert.Equal("config.json: linux.gidMappings: requires a user namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Id_mapping_of_size_zero_is_refused()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "user");
        spec.Linux!.UidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }, new LinuxIdMapping { ContainerId = 1, HostId = 100000, Size = 0 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }];

        Assert.Equal("config.json: linux.uidMappings[1].size: must be greater than 0", Specs.ValidationError(spec));
    }

    [Fact]
    public void New_user_namespace_without_mappings_is_refused()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "user");

        Assert.Equal("config.json: linux.namespaces[6]: a new user namespace needs uidMappings and gidMappings", Specs.ValidationError(spec));
    }

    [Fact]
    public void User_namespace_joined_by_path_needs_no_mappings()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "user", "/proc/1234/ns/user");

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Time_namespace_joined_by_path_is_accepted()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "time", "/proc/1234/ns/time");

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Time_offsets_without_a_time_namespace_are_refused()
    {
        var spec = Specs.Valid();
        spec.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 10 } };

        Assert.Equal("config.json: linux.timeOffsets: requires a time namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Time_offsets_when_joining_a_time_namespace_are_refused()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "time", "/proc/1234/ns/time");
        spec.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 10 } };

        Assert.Equal("config.json: linux.timeOffsets: cannot be set when joining a time namespace by path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Time_offset_for_an_unknown_clock_is_refused()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "time");
        spec.Linux!.TimeOffsets = new() { ["realtime"] = new LinuxTimeOffset { Secs = 10 } };

        Assert.Equal("config.json: linux.timeOffsets: unknown clock \"realtime\" (expected monotonic or boottime)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Time_offset_with_a_second_or_more_of_nanoseconds_is_refused()
    {
        var spec = Specs.Valid();
        Specs.AddNamespace(spec, "time");
        spec.Linux!.TimeOffsets = new() { ["boottime"] = new LinuxTimeOffset { Nanosecs = 1_000_000_000 } };

        Assert.Equal("config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000", Specs.ValidationError(spec));
    }

    [Fact]
    public void Hostname_without_a_uts_namespace_is_refused()
    {
        var spec = Specs.Valid();
        Specs.RemoveNamespace(spec, "uts");

        Assert.Equal("config.json: hostname: requires a new uts namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Domainname_without_a_uts_namespace_is_refused()
    {
        var spec = Specs.Valid();
        spec.Hostname = null;
        spec.Domainname = "example.org";
        Specs.RemoveNamespace(spec, "uts");

        Assert.Equal("config.json: domainname: requires a new uts namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Spec_without_a_linux_section_needs_no_namespaces()
    {
        var spec = Specs.Parse("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"}}""");

        Assert.Null(spec.Linux);
    }
}
