using Berth.Oci.Runtime;
using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Init;

public sealed class InitConfigCodecTests
{
    private static InitConfig Full() => new()
    {
        Id = "c1",
        Bundle = "/b",
        Rootfs = "/b/rootfs",
        Exec = true,
        NoPivot = true,
        NoNewKeyring = true,
        PreserveFds = 2,
        FifoFd = 7,
        ConsoleSocketFd = 8,
        LogFd = 6,
        Debug = true,
        InUserNamespace = true,
        NewCgroupNamespace = true,
        NewMountNamespace = true,
        SeccompFilter = [1, 2, 3, 4, 5, 6, 7, 8],
        SeccompFlags = 3,
        Config = new Spec
        {
            OciVersion = "1.2.0",
            Hostname = "h",
            Domainname = "d",
            Annotations = new() { ["a"] = "b" },
            Root = new Root { Path = "rootfs", Readonly = true },
            Process = new Process
            {
                Terminal = true,
                ConsoleSize = new Box { Height = 24, Width = 80 },
                User = new User { Uid = 1000, Gid = 1001, Umask = 18, AdditionalGids = [5, 6], Username = "alice" },
                Args = ["sh", "-c", "echo ünïcode"],
                Env = ["PATH=/bin", "A=b=c"],
                Cwd = "/work",
                Capabilities = new LinuxCapabilities { Bounding = ["CAP_KILL"], Effective = ["CAP_KILL"], Inheritable = [], Permitted = ["CAP_KILL"], Ambient = null },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 2048, Soft = 1024 }],
                NoNewPrivileges = true,
                OomScoreAdj = -500,
                ApparmorProfile = "p",
                SelinuxLabel = "l",
            },
            Mounts = [new Mount { Destination = "/proc", Type = "proc", Source = "proc", Options = null }, new Mount { Destination = "/x", Type = null, Source = "/host", Options = ["rbind", "ro"] }],
            Hooks = new Oci.Runtime.Hooks { CreateContainer = [new Hook { Path = "/bin/h", Args = ["h", "1"], Env = ["E=1"], Timeout = 5 }], Prestart = [] },
            Linux = new Oci.Runtime.Linux
            {
                Devices = [new LinuxDevice { Path = "/dev/fuse", Type = "c", Major = 10, Minor = 229, FileMode = 438, Uid = 0, Gid = null }],
                Sysctl = new() { ["net.ipv4.ip_forward"] = "1" },
                RootfsPropagation = "rslave",
                MaskedPaths = ["/proc/kcore"],
                ReadonlyPaths = ["/proc/sys"],
                CgroupsPath = "/berth/c1",
            },
        },
    };

    [Fact]
    public void Round_trip_keeps_every_field_init_uses()
    {
        var original = Full();
        var decoded = InitConfigCodec.Decode(InitConfigCodec.Encode(original));

        Assert.Equal(OciJson.SerializeSpec(original.Config), OciJson.SerializeSpec(decoded.Config));
        Assert.Equal(original.SeccompFilter, decoded.SeccompFilter);
        Assert.Equal((original.Id, original.Bundle, original.Rootfs, original.Exec, original.NoPivot, original.NoNewKeyring),
            (decoded.Id, decoded.Bundle, decoded.Rootfs, decoded.Exec, decoded.NoPivot, decoded.NoNewKeyring));
        Assert.Equal((original.PreserveFds, original.FifoFd, original.ConsoleSocketFd, original.LogFd, original.SeccompFlags),
            (decoded.PreserveFds, decoded.FifoFd, decoded.ConsoleSocketFd, decoded.LogFd, decoded.SeccompFlags));
        Assert.Equal((original.Debug, original.InUserNamespace, original.NewCgroupNamespace, original.NewMountNamespace),
            (decoded.Debug, decoded.InUserNamespace, decoded.NewCgroupNamespace, decoded.NewMountNamespace));
    }

    [Fact]
    public void Absent_optional_parts_stay_absent()
    {
        var decoded = InitConfigCodec.Decode(InitConfigCodec.Encode(new InitConfig { Config = new Spec { OciVersion = "1.2.0" } }));

        Assert.Null(decoded.Config.Process);
        Assert.Null(decoded.Config.Mounts);
        Assert.Null(decoded.Config.Hooks);
        Assert.Null(decoded.Config.Linux);
        Assert.Null(decoded.SeccompFilter);
    }

    [Fact]
    public void A_payload_of_another_version_is_refused()
    {
        var payload = InitConfigCodec.Encode(new InitConfig());
        payload[0] = 99;

        var e = Assert.Throws<RuntimeException>(() => InitConfigCodec.Decode(payload));
        Assert.Contains("unknown version", e.Message);
    }
}
