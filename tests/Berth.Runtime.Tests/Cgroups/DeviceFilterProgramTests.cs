using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Cgroups.Devices;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The v1 semantics of a rule list (<see cref="DevicePolicy"/>) and the eBPF program compiled from it.</summary>
public sealed class DeviceFilterProgramTests
{
    private static readonly LinuxDeviceCgroup DenyAll = new() { Allow = false, Access = "rwm" };

    private static List<LinuxDeviceCgroup> Docker() => [DenyAll, .. DeviceRules.Defaults];

    private static bool Allowed(List<LinuxDeviceCgroup> rules, char type, uint major, uint minor, DeviceAccess access) =>
        BpfInterpreter.Run(DeviceFilterProgram.Compile(DevicePolicy.From(rules)), type, major, minor, access) == 1;

    [Theory]
    [InlineData('c', 1u, 3u)]
    [InlineData('c', 1u, 9u)]
    [InlineData('c', 136u, 4u)]
    [InlineData('c', 5u, 2u)]
    public void The_default_nodes_can_be_read_and_written(char type, uint major, uint minor)
    {
        Assert.True(Allowed(Docker(), type, major, minor, DeviceAccess.Read | DeviceAccess.Write));
    }

    [Theory]
    [InlineData('c', 1u, 1u)]
    [InlineData('b', 8u, 0u)]
    [InlineData('c', 10u, 229u)]
    public void Other_nodes_cannot_be_opened(char type, uint major, uint minor)
    {
        Assert.False(Allowed(Docker(), type, major, minor, DeviceAccess.Read));
    }

    [Fact]
    public void Any_node_can_be_created_with_mknod()
    {
        Assert.True(Allowed(Docker(), 'b', 8, 0, DeviceAccess.Mknod));
    }

    [Fact]
    public void An_access_is_allowed_only_when_one_rule_grants_all_of_it()
    {
        List<LinuxDeviceCgroup> rules = [DenyAll, new() { Allow = true, Type = "c", Major = 1, Minor = 1, Access = "r" }];

        Assert.True(Allowed(rules, 'c', 1, 1, DeviceAccess.Read));
        Assert.False(Allowed(rules, 'c', 1, 1, DeviceAccess.Read | DeviceAccess.Write));
    }

    [Fact]
    public void A_later_deny_takes_access_away_from_an_allowed_device()
    {
        List<LinuxDeviceCgroup> rules = [.. Docker(), new() { Allow = false, Type = "c", Major = 1, Minor = 3, Access = "w" }];

        Assert.True(Allowed(rules, 'c', 1, 3, DeviceAccess.Read));
        Assert.False(Allowed(rules, 'c', 1, 3, DeviceAccess.Write));
    }

    [Fact]
    public void A_rule_list_without_deny_all_denies_only_what_it_names()
    {
        List<LinuxDeviceCgroup> rules = [new() { Allow = false, Type = "c", Major = 1, Minor = 1, Access = "rw" }];

        Assert.False(Allowed(rules, 'c', 1, 1, DeviceAccess.Read | DeviceAccess.Mknod));
        Assert.True(Allowed(rules, 'c', 1, 1, DeviceAccess.Mknod));
        Assert.True(Allowed(rules, 'b', 8, 0, DeviceAccess.Read));
    }

    [Fact]
    public void An_allow_all_after_a_deny_all_resets_the_exceptions()
    {
        List<LinuxDeviceCgroup> rules = [.. Docker(), new() { Allow = true, Type = "a", Access = "rwm" }];

        Assert.True(DevicePolicy.From(rules).DefaultAllow);
        Assert.Empty(DevicePolicy.From(rules).Exceptions);
    }

    [Fact]
    public void The_program_agrees_with_the_v1_semantics_on_every_device_and_access()
    {
        List<LinuxDeviceCgroup> rules =
        [
            .. Docker(),
            new() { Allow = true, Type = "b", Major = 8, Access = "r" },
            new() { Allow = false, Type = "c", Major = 136, Minor = 2, Access = "w" },
        ];
        var policy = DevicePolicy.From(rules);
        var program = DeviceFilterProgram.Compile(policy);

        foreach (var type in new[] { 'b', 'c' })
        {
            foreach (var (major, minor) in new (uint, uint)[] { (1, 3), (1, 1), (5, 0), (8, 0), (8, 17), (136, 2), (136, 7), (10, 200) })
            {
                for (var access = 1; access <= 7; access++)
                {
                    var expected = policy.Allows(type, major, minor, (DeviceAccess)access);
                    Assert.Equal(expected ? 1 : 0, BpfInterpreter.Run(program, type, major, minor, (DeviceAccess)access));
                }
            }
        }
    }

    [Fact]
    public void Instructions_encode_as_struct_bpf_insn()
    {
        var bytes = DeviceFilterProgram.Encode([new BpfInstruction(0x61, 2, 1, 4, 0), new BpfInstruction(0x55, 4, 0, 3, 136)]);

        Assert.Equal(new byte[] { 0x61, 0x12, 4, 0, 0, 0, 0, 0, 0x55, 0x04, 3, 0, 136, 0, 0, 0 }, bytes);
    }

    [Fact]
    public void An_unknown_device_type_names_the_rule()
    {
        var e = Assert.Throws<CgroupException>(() => DevicePolicy.From([new() { Allow = true, Type = "x", Access = "r" }]));

        Assert.Contains("linux.resources.devices[0].type", e.Message);
    }
}
