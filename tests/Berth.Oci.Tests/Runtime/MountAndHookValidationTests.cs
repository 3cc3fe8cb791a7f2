using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class MountAndHookValidationTests
{
    [Fact]
    public void Missing_root_is_refused()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0"}""");

        Assert.Equal("config.json: root: is required", message);
    }

    [Fact]
    public void Empty_root_path_is_refused()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"readonly": true}}""");

        Assert.Equal("config.json: root.path: is required", message);
    }

    [Fact]
    public void Relative_mount_destination_is_refused_with_its_index()
    {
        var spec = Specs.Valid();
        spec.Mounts![3].Destination = "dev/shm";

        Assert.Equal("config.json: mounts[3].destination: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Missing_mount_destination_is_refused_as_not_absolute()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "mounts": [{"type": "tmpfs"}]}""");

        Assert.Equal("config.json: mounts[0].destination: must be an absolute path", message);
    }

    [Fact]
    public void Null_mount_is_refused_with_its_index()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "mounts": [null]}""");

        Assert.Equal("config.json: mounts[0]: expected object, got null", message);
    }

    [Fact]
    public void Id_mapped_mount_with_only_uid_mappings_is_refused()
    {
        var spec = Specs.Valid();
        spec.Mounts![0].UidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }];

        Assert.Equal("config.json: mounts[0]: id-mapped mounts need both uidMappings and gidMappings", Specs.ValidationError(spec));
    }

    [Fact]
    public void Id_mapping_of_size_zero_on_a_mount_is_refused()
    {
        var spec = Specs.Valid();
        spec.Mounts![0].UidMappings = [new LinuxIdMapping { HostId = 1000, Size = 1 }];
        spec.Mounts[0].GidMappings = [new LinuxIdMapping { HostId = 1000, Size = 0 }];

        Assert.Equal("config.json: mounts[0].gidMappings[0].size: must be greater than 0", Specs.ValidationError(spec));
    }

    [Fact]
    public void Relative_hook_path_is_refused_naming_the_hook()
    {
        var spec = Specs.Valid();
        spec.Hooks = new Hooks { Prestart = [new Hook { Path = "bin/hook" }] };

        Assert.Equal("config.json: hooks.prestart[0].path: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Missing_hook_path_is_refused()
    {
        var spec = Specs.Valid();
        spec.Hooks = new Hooks { Poststop = [new Hook { Path = "/bin/true" }, new Hook()] };

        Assert.Equal("config.json: hooks.poststop[1].path: must be an absolute path", Specs.ValidationError(spec));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Hook_timeout_that_is_not_positive_is_refused(int timeout)
    {
        var spec = Specs.Valid();
        spec.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/bin/hook", Timeout = timeout }] };

        Assert.Equal("config.json: hooks.createRuntime[0].timeout: must be greater than 0", Specs.ValidationError(spec));
    }

    [Fact]
    public void Hook_env_entry_without_equals_sign_is_refused()
    {
        var spec = Specs.Valid();
        spec.Hooks = new Hooks { StartContainer = [new Hook { Path = "/bin/hook", Env = ["X"] }] };

        Assert.Equal("config.json: hooks.startContainer[0].env[0]: must be of the form KEY=value, got \"X\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Hooks_with_absolute_paths_and_timeouts_are_accepted()
    {
        var spec = Specs.Valid();
        spec.Hooks = new Hooks { CreateContainer = [new Hook { Path = "/bin/hook", Args = ["hook", "x"], Timeout = 10 }] };

        SpecValidator.Validate(spec);
    }
}
