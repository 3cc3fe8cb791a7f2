using System.Buffers.Binary;
using System.Text;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Init;

public sealed class BootstrapTests
{
    private static Spec WithNamespaces(params (string Type, string? Path)[] namespaces) => new()
    {
        Linux = new Oci.Runtime.Linux
        {
            Namespaces = [.. namespaces.Select(n => new LinuxNamespace { Type = n.Type, Path = n.Path })],
        },
    };

    private static Spec WithUserNamespace(string? path = null)
    {
        var spec = WithNamespaces(("user", path), ("mount", null));
        spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings =
        [
            new LinuxIdMapping { ContainerId = 0, HostId = 200000, Size = 1 },
            new LinuxIdMapping { ContainerId = 1, HostId = 300000, Size = 1000 },
        ];
        return spec;
    }

    /// <summary>The records <see cref="Bootstrap.WriteTo"/> sends, read back from the other end of a socketpair.</summary>
    private static List<(uint Type, byte[] Payload)> Records(Bootstrap b, bool debug = false)
    {
        using var pair = new SocketPair();
        b.WriteTo(pair.Parent, debug);
        pair.ParentFd.Dispose();
        var records = new List<(uint, byte[])>();
        while (pair.Child.Receive() is { } r)
            records.Add(r);
        return records;
    }

    private static uint U32(byte[] payload)
    {
        Assert.Equal(4, payload.Length);
        return BinaryPrimitives.ReadUInt32LittleEndian(payload);
    }

    [Fact]
    public void Spec_without_a_linux_section_creates_no_namespaces()
    {
        var b = Bootstrap.FromSpec(new Spec());

        Assert.Equal(0u, b.CloneFlags);
        Assert.Empty(b.Joins);
        Assert.Null(b.UidMap);
        Assert.Null(b.TimeOffsets);
    }

    [Fact]
    public void Namespaces_without_a_path_become_clone_flags()
    {
        var b = Bootstrap.FromSpec(WithNamespaces(("pid", null), ("network", null), ("mount", null), ("ipc", null), ("uts", null), ("cgroup", null), ("time", null)));

        Assert.Equal(
            CloneFlags.CLONE_NEWPID | CloneFlags.CLONE_NEWNET | CloneFlags.CLONE_NEWNS | CloneFlags.CLONE_NEWIPC
                | CloneFlags.CLONE_NEWUTS | CloneFlags.CLONE_NEWCGROUP | CloneFlags.CLONE_NEWTIME,
            b.CloneFlags);
        Assert.Empty(b.Joins);
    }

    [Fact]
    public void Namespaces_with_a_path_are_joined_in_their_order()
    {
        var b = Bootstrap.FromSpec(WithNamespaces(("network", "/var/run/netns/n1"), ("pid", null), ("ipc", "/proc/1/ns/ipc")));

        Assert.Equal(CloneFlags.CLONE_NEWPID, b.CloneFlags);
        Assert.Equal([(CloneFlags.CLONE_NEWNET, "/var/run/netns/n1"), (CloneFlags.CLONE_NEWIPC, "/proc/1/ns/ipc")], b.Joins);
    }

    [Fact]
    public void Empty_namespace_path_means_a_new_namespace()
    {
        var b = Bootstrap.FromSpec(WithNamespaces(("uts", "")));

        Assert.Equal(CloneFlags.CLONE_NEWUTS, b.CloneFlags);
        Assert.Empty(b.Joins);
    }

    [Fact]
    public void Unknown_namespace_type_is_refused_naming_its_index()
    {
        var e = Assert.Throws<RuntimeException>(() => Bootstrap.FromSpec(WithNamespaces(("pid", null), ("pidd", null))));

        Assert.Equal("config.json: linux.namespaces[1].type: unknown namespace type \"pidd\"", e.Message);
    }

    [Fact]
    public void New_user_namespace_carries_its_maps_as_proc_uid_map_text()
    {
        var b = Bootstrap.FromSpec(WithUserNamespace());

        Assert.True(b.NewUserNamespace);
        Assert.Equal("0 100000 65536\n", b.UidMap);
        Assert.Equal("0 200000 1\n1 300000 1000\n", b.GidMap);
    }

    [Fact]
    public void Joined_user_namespace_carries_no_maps()
    {
        var b = Bootstrap.FromSpec(WithUserNamespace("/proc/42/ns/user"));

        Assert.False(b.NewUserNamespace);
        Assert.True(b.JoinsUserNamespace);
        Assert.Null(b.UidMap);
        Assert.Null(b.GidMap);
    }

    [Fact]
    public void Mappings_without_a_user_namespace_are_not_sent()
    {
        var spec = WithUserNamespace();
        spec.Linux!.Namespaces!.RemoveAt(0);

        var b = Bootstrap.FromSpec(spec);

        Assert.Null(b.UidMap);
        Assert.Null(b.GidMap);
    }

    [Fact]
    public void Time_offsets_are_formatted_for_timens_offsets()
    {
        var spec = WithNamespaces(("time", null));
        spec.Linux!.TimeOffsets = new()
        {
            ["monotonic"] = new LinuxTimeOffset { Secs = 86400, Nanosecs = 5 },
            ["boottime"] = new LinuxTimeOffset { Secs = -10, Nanosecs = 0 },
        };

        var b = Bootstrap.FromSpec(spec);

        Assert.Equal("monotonic 86400 5\nboottime -10 0\n", b.TimeOffsets);
    }

    [Fact]
    public void Records_start_with_the_protocol_version_and_end_with_boot_end()
    {
        var records = Records(Bootstrap.FromSpec(new Spec()));

        Assert.Equal(InitPipe.BootVersion, records[0].Type);
        Assert.Equal(InitPipe.ProtocolVersion, U32(records[0].Payload));
        Assert.Equal(InitPipe.BootEnd, records[^1].Type);
        Assert.Empty(records[^1].Payload);
    }

    [Fact]
    public void Minimal_plan_sends_version_clone_flags_debug_and_end()
    {
        var records = Records(Bootstrap.FromSpec(WithNamespaces(("pid", null))));

        Assert.Equal([InitPipe.BootVersion, InitPipe.BootCloneFlags, InitPipe.BootDebug, InitPipe.BootEnd], records.Select(r => r.Type));
        Assert.Equal(CloneFlags.CLONE_NEWPID, U32(records[1].Payload));
    }

    [Fact]
    public void Namespace_path_record_is_the_flag_then_the_utf8_path()
    {
        var records = Records(Bootstrap.FromSpec(WithNamespaces(("network", "/var/run/netns/é"))));

        var ns = Assert.Single(records, r => r.Type == InitPipe.BootNsPath).Payload;
        Assert.Equal(CloneFlags.CLONE_NEWNET, BinaryPrimitives.ReadUInt32LittleEndian(ns));
        Assert.Equal("/var/run/netns/é", Encoding.UTF8.GetString(ns.AsSpan(4)));
    }

    [Fact]
    public void User_namespace_plan_sends_both_maps()
    {
        var records = Records(Bootstrap.FromSpec(WithUserNamespace()));

        Assert.Equal("0 100000 65536\n", Encoding.UTF8.GetString(Assert.Single(records, r => r.Type == InitPipe.BootUidMap).Payload));
        Assert.Equal("0 200000 1\n1 300000 1000\n", Encoding.UTF8.GetString(Assert.Single(records, r => r.Type == InitPipe.BootGidMap).Payload));
    }

    [Fact]
    public void Time_offsets_are_sent_as_text()
    {
        var spec = WithNamespaces(("time", null));
        spec.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 1 } };

        var records = Records(Bootstrap.FromSpec(spec));

        Assert.Equal("monotonic 1 0\n", Encoding.UTF8.GetString(Assert.Single(records, r => r.Type == InitPipe.BootTimeOffsets).Payload));
    }

    [Theory]
    [InlineData(false, 0u)]
    [InlineData(true, 1u)]
    public void Debug_record_carries_the_debug_switch(bool debug, uint expected)
    {
        var records = Records(Bootstrap.FromSpec(new Spec()), debug);

        Assert.Equal(expected, U32(Assert.Single(records, r => r.Type == InitPipe.BootDebug).Payload));
    }
}
