using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class TablesTests
{
    [Fact]
    public void There_are_41_capabilities_numbered_in_kernel_order()
    {
        Assert.Equal(41, Capabilities.All.Count);
        Assert.Equal(0, Capabilities.All["CAP_CHOWN"]);
        Assert.Equal(21, Capabilities.All["CAP_SYS_ADMIN"]);
        Assert.Equal(40, Capabilities.All["CAP_CHECKPOINT_RESTORE"]);
    }

    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_CORE", 4)]
    [InlineData("RLIMIT_NPROC", 6)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_AS", 9)]
    [InlineData("RLIMIT_RTTIME", 15)]
    public void Rlimit_names_map_to_asm_generic_resource_numbers(string name, int resource)
    {
        Assert.Equal(resource, Rlimits.ByName[name]);
    }

    [Fact]
    public void There_are_16_rlimits()
    {
        Assert.Equal(16, Rlimits.ByName.Count);
    }

    [Fact]
    public void Namespace_types_map_to_clone_flags()
    {
        Assert.Equal(0x20000000, NamespaceTypes.CloneFlags["pid"]);
        Assert.Equal(0x00000080, NamespaceTypes.CloneFlags["time"]);
        Assert.Equal(NamespaceTypes.All.Order(), NamespaceTypes.CloneFlags.Keys.Order());
    }

    [Fact]
    public void Ro_sets_ms_rdonly_and_rw_clears_it()
    {
        Assert.Equal(new MountOption(1, false, false, false), MountOptions.All["ro"]);
        Assert.Equal(new MountOption(1, true, false, false), MountOptions.All["rw"]);
    }

    [Fact]
    public void Rbind_is_a_recursive_bind_flag_not_a_recursive_attribute()
    {
        Assert.Equal(new MountOption(4096 | 16384, false, false, false), MountOptions.All["rbind"]);
    }

    [Fact]
    public void Rprivate_is_private_propagation_with_ms_rec()
    {
        Assert.Equal(new MountOption((1 << 18) | 16384, false, true, false), MountOptions.All["rprivate"]);
    }

    [Fact]
    public void Rro_sets_mount_attr_rdonly_recursively()
    {
        Assert.Equal(new MountOption(1, false, false, true), MountOptions.All["rro"]);
    }

    [Fact]
    public void Ratime_clears_mount_attr_noatime_recursively()
    {
        Assert.Equal(new MountOption(0x10, true, false, true), MountOptions.All["ratime"]);
    }

    [Fact]
    public void Mount_option_names_are_sorted_ordinally()
    {
        Assert.Equal(MountOptions.All.Keys.Order(StringComparer.Ordinal), MountOptions.Names);
    }
}
