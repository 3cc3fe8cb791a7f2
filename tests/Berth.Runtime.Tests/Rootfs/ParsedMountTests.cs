using Berth.Linux.Interop;
using Berth.Runtime.Rootfs;

namespace Berth.Runtime.Tests.Rootfs;

/// <summary>How config.json mount options split into mount(2) flags, propagation, mount_setattr(2) attributes and data.</summary>
public sealed class ParsedMountTests
{
    // include/uapi/linux/mount.h
    private const ulong MOUNT_ATTR_RDONLY = 0x1;
    private const ulong MOUNT_ATTR_NOSUID = 0x2;
    private const ulong MOUNT_ATTR_NOATIME = 0x10;
    private const ulong MOUNT_ATTR_STRICTATIME = 0x20;
    private const ulong MOUNT_ATTR__ATIME = 0x70;

    [Fact]
    public void No_options_mean_no_flags_and_no_data()
    {
        var m = ParsedMount.Parse(null);

        Assert.Equal((0ul, 0ul, 0ul, 0ul, ""), (m.Flags, m.ClearedFlags, m.RecursiveSet, m.RecursiveClear, m.Data));
        Assert.Empty(m.Propagation);
    }

    [Fact]
    public void Flag_options_are_or_ed_together()
    {
        var m = ParsedMount.Parse(["nosuid", "nodev", "noexec", "ro"]);

        Assert.Equal(MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC | MountFlags.MS_RDONLY, m.Flags);
        Assert.Equal(0ul, m.ClearedFlags);
    }

    [Fact]
    public void Clearing_option_removes_the_flag_and_records_it_as_cleared()
    {
        var m = ParsedMount.Parse(["ro", "rw"]);

        Assert.Equal(0ul, m.Flags & MountFlags.MS_RDONLY);
        Assert.Equal(MountFlags.MS_RDONLY, m.ClearedFlags);
    }

    [Fact]
    public void Setting_option_after_a_clearing_one_wins()
    {
        var m = ParsedMount.Parse(["rw", "ro"]);

        Assert.Equal(MountFlags.MS_RDONLY, m.Flags);
        Assert.Equal(0ul, m.ClearedFlags);
    }

    [Fact]
    public void Bind_option_makes_a_bind_mount()
    {
        var m = ParsedMount.Parse(["bind"]);

        Assert.True(m.IsBind);
        Assert.Equal(MountFlags.MS_BIND, m.Flags);
    }

    [Fact]
    public void Rbind_option_makes_a_recursive_bind_mount()
    {
        var m = ParsedMount.Parse(["rbind"]);

        Assert.True(m.IsBind);
        Assert.Equal(MountFlags.MS_BIND | MountFlags.MS_REC, m.Flags);
    }

    [Fact]
    public void Mount_without_bind_options_is_not_a_bind_mount()
    {
        Assert.False(ParsedMount.Parse(["nosuid", "mode=755"]).IsBind);
    }

    [Fact]
    public void Unknown_options_are_filesystem_data_in_their_order()
    {
        var m = ParsedMount.Parse(["nosuid", "mode=755", "size=65536k", "newinstance"]);

        Assert.Equal("mode=755,size=65536k,newinstance", m.Data);
    }

    [Fact]
    public void Acl_is_filesystem_data_not_a_flag()
    {
        var m = ParsedMount.Parse(["acl"]);

        Assert.Equal(0ul, m.Flags);
        Assert.Equal("acl", m.Data);
    }

    [Fact]
    public void Defaults_adds_neither_flags_nor_data()
    {
        var m = ParsedMount.Parse(["defaults"]);

        Assert.Equal(0ul, m.Flags);
        Assert.Equal("", m.Data);
    }

    [Fact]
    public void Propagation_options_are_kept_apart_in_their_order()
    {
        var m = ParsedMount.Parse(["rprivate", "nosuid", "shared"]);

        Assert.Equal([MountFlags.MS_PRIVATE | MountFlags.MS_REC, MountFlags.MS_SHARED], m.Propagation);
        Assert.Equal(MountFlags.MS_NOSUID, m.Flags);
    }

    [Fact]
    public void Recursive_options_become_mount_setattr_attributes_not_flags()
    {
        var m = ParsedMount.Parse(["rro", "rsuid"]);

        Assert.Equal(0ul, m.Flags);
        Assert.Equal(MOUNT_ATTR_RDONLY, m.RecursiveSet);
        Assert.Equal(MOUNT_ATTR_NOSUID, m.RecursiveClear);
    }

    [Fact]
    public void Later_recursive_option_overrides_an_earlier_opposite_one()
    {
        var m = ParsedMount.Parse(["rro", "rrw"]);

        Assert.Equal(0ul, m.RecursiveSet);
        Assert.Equal(MOUNT_ATTR_RDONLY, m.RecursiveClear);
    }

    [Fact]
    public void Later_recursive_setting_overrides_an_earlier_clearing_one()
    {
        var m = ParsedMount.Parse(["rrw", "rro"]);

        Assert.Equal(MOUNT_ATTR_RDONLY, m.RecursiveSet);
        Assert.Equal(0ul, m.RecursiveClear);
    }

    [Fact]
    public void Recursive_atime_mode_clears_the_whole_atime_field()
    {
        // mount_setattr(2): an atime mode is an enum; setting one needs MOUNT_ATTR__ATIME in attr_clr.
        var m = ParsedMount.Parse(["rnoatime"]);

        Assert.Equal(MOUNT_ATTR_NOATIME, m.RecursiveSet);
        Assert.Equal(MOUNT_ATTR__ATIME, m.RecursiveClear);
    }

    [Fact]
    public void Rrelatime_clears_the_atime_field_to_its_relatime_value()
    {
        var m = ParsedMount.Parse(["rrelatime"]);

        Assert.Equal(0ul, m.RecursiveSet & MOUNT_ATTR__ATIME);
        Assert.Equal(MOUNT_ATTR__ATIME, m.RecursiveClear);
    }

    [Fact]
    public void Later_recursive_atime_mode_replaces_an_earlier_one()
    {
        var m = ParsedMount.Parse(["rnoatime", "rstrictatime"]);

        Assert.Equal(MOUNT_ATTR_STRICTATIME, m.RecursiveSet);
        Assert.Equal(MOUNT_ATTR__ATIME, m.RecursiveClear);
    }

    [Fact]
    public void Ratime_undoes_rnoatime_back_to_the_default_relatime()
    {
        var m = ParsedMount.Parse(["rnoatime", "ratime"]);

        Assert.Equal(0ul, m.RecursiveSet);
        Assert.Equal(MOUNT_ATTR__ATIME, m.RecursiveClear);
    }

    [Fact]
    public void Ratime_alone_clears_the_whole_atime_field_as_the_kernel_requires()
    {
        // A partial MOUNT_ATTR__ATIME in attr_clr is EINVAL.
        var m = ParsedMount.Parse(["ratime"]);

        Assert.Equal(MOUNT_ATTR__ATIME, m.RecursiveClear);
    }
}
