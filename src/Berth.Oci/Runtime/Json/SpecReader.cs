using System.Text.Json;

namespace Berth.Oci.Runtime.Json;

/// <summary>
/// Maps a config.json document onto the <see cref="Spec"/> model, member by member, with the JSON
/// names of the runtime spec (1.2). Types are checked here; the rules of the spec are
/// <see cref="SpecValidator"/>'s.
/// </summary>
public static class SpecReader
{
    /// <summary>Reads a well-formed document (see <see cref="JsonErrors.ThrowIfMalformed"/>).</summary>
    public static Spec Read(ReadOnlyMemory<byte> json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        return Spec(JsonFields.Root(doc.RootElement, source));
    }

    /// <summary>Reads a process.json document, as `exec --process` takes it.</summary>
    public static Process ReadProcess(ReadOnlyMemory<byte> json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        return Process(JsonFields.Root(doc.RootElement, source));
    }

    private static Spec Spec(JsonFields o) => new()
    {
        OciVersion = o.String("ociVersion"),
        Process = o.Object("process", Process),
        Root = o.Object("root", Root),
        Hostname = o.NullableString("hostname"),
        Domainname = o.NullableString("domainname"),
        Mounts = o.Objects("mounts", Mount),
        Hooks = o.Object("hooks", Hooks),
        Annotations = o.StringMap("annotations"),
        Linux = o.Object("linux", Linux),
    };

    private static Root Root(JsonFields o) => new()
    {
        Path = o.String("path"),
        Readonly = o.Bool("readonly"),
    };

    private static Mount Mount(JsonFields o) => new()
    {
        Destination = o.String("destination"),
        Type = o.NullableString("type"),
        Source = o.NullableString("source"),
        Options = o.Strings("options"),
        UidMappings = o.Objects("uidMappings", IdMapping),
        GidMappings = o.Objects("gidMappings", IdMapping),
    };

    private static Process Process(JsonFields o) => new()
    {
        Terminal = o.Bool("terminal"),
        ConsoleSize = o.Object("consoleSize", b => new Box { Height = b.UInt64("height"), Width = b.UInt64("width") }),
        User = o.RequiredObject("user", User, static () => new User()),
        Args = o.Strings("args"),
        CommandLine = o.NullableString("commandLine"),
        Env = o.Strings("env"),
        Cwd = o.String("cwd"),
        Capabilities = o.Object("capabilities", Capabilities),
        Rlimits = o.Objects("rlimits", r => new PosixRlimit { Type = r.String("type"), Hard = r.UInt64("hard"), Soft = r.UInt64("soft") }),
        NoNewPrivileges = o.Bool("noNewPrivileges"),
        ApparmorProfile = o.NullableString("apparmorProfile"),
        OomScoreAdj = o.NullableInt32("oomScoreAdj"),
        Scheduler = o.Object("scheduler", Scheduler),
        SelinuxLabel = o.NullableString("selinuxLabel"),
        IOPriority = o.Object("ioPriority", p => new LinuxIOPriority { Class = p.String("class"), Priority = p.Int32("priority") }),
        ExecCpuAffinity = o.Object("execCPUAffinity", a => new CpuAffinity { Initial = a.NullableString("initial"), Final = a.NullableString("final") }),
    };

    private static User User(JsonFields o) => new()
    {
        Uid = o.UInt32("uid"),
        Gid = o.UInt32("gid"),
        Umask = o.NullableUInt32("umask"),
        AdditionalGids = o.UInt32s("additionalGids"),
        Username = o.NullableString("username"),
    };

    private static LinuxCapabilities Capabilities(JsonFields o) => new()
    {
        Bounding = o.Strings("bounding"),
        Effective = o.Strings("effective"),
        Inheritable = o.Strings("inheritable"),
        Permitted = o.Strings("permitted"),
        Ambient = o.Strings("ambient"),
    };

    private static Scheduler Scheduler(JsonFields o) => new()
    {
        Policy = o.String("policy"),
        Nice = o.Int32("nice"),
        Priority = o.Int32("priority"),
        Flags = o.Strings("flags"),
        Runtime = o.UInt64("runtime"),
        Deadline = o.UInt64("deadline"),
        Period = o.UInt64("period"),
    };

    private static Hooks Hooks(JsonFields o) => new()
    {
        Prestart = o.Objects("prestart", Hook),
        CreateRuntime = o.Objects("createRuntime", Hook),
        CreateContainer = o.Objects("createContainer", Hook),
        StartContainer = o.Objects("startContainer", Hook),
        Poststart = o.Objects("poststart", Hook),
        Poststop = o.Objects("poststop", Hook),
    };

    private static Hook Hook(JsonFields o) => new()
    {
        Path = o.String("path"),
        Args = o.Strings("args"),
        Env = o.Strings("env"),
        Timeout = o.NullableInt32("timeout"),
    };

    private static Linux Linux(JsonFields o) => new()
    {
        UidMappings = o.Objects("uidMappings", IdMapping),
        GidMappings = o.Objects("gidMappings", IdMapping),
        Sysctl = o.StringMap("sysctl"),
        Resources = o.Object("resources", LinuxResourcesReader.Read),
        CgroupsPath = o.NullableString("cgroupsPath"),
        Namespaces = o.Objects("namespaces", n => new LinuxNamespace { Type = n.String("type"), Path = n.NullableString("path") }),
        Devices = o.Objects("devices", Device),
        Seccomp = o.Object("seccomp", Seccomp),
        RootfsPropagation = o.NullableString("rootfsPropagation"),
        MaskedPaths = o.Strings("maskedPaths"),
        ReadonlyPaths = o.Strings("readonlyPaths"),
        MountLabel = o.NullableString("mountLabel"),
        IntelRdt = o.Object("intelRdt", IntelRdt),
        Personality = o.Object("personality", p => new LinuxPersonality { Domain = p.String("domain"), Flags = p.Strings("flags") }),
        TimeOffsets = o.ObjectMap("timeOffsets", t => new LinuxTimeOffset { Secs = t.Int64("secs"), Nanosecs = t.UInt32("nanosecs") }),
    };

    internal static LinuxIdMapping IdMapping(JsonFields o) => new()
    {
        ContainerId = o.UInt32("containerID"),
        HostId = o.UInt32("hostID"),
        Size = o.UInt32("size"),
    };

    private static LinuxDevice Device(JsonFields o) => new()
    {
        Path = o.String("path"),
        Type = o.String("type"),
        Major = o.Int64("major"),
        Minor = o.Int64("minor"),
        FileMode = o.NullableUInt32("fileMode"),
        Uid = o.NullableUInt32("uid"),
        Gid = o.NullableUInt32("gid"),
    };

    private static LinuxIntelRdt IntelRdt(JsonFields o) => new()
    {
        ClosId = o.NullableString("closID"),
        L3CacheSchema = o.NullableString("l3CacheSchema"),
        MemBwSchema = o.NullableString("memBwSchema"),
        EnableCmt = o.Bool("enableCMT"),
        EnableMbm = o.Bool("enableMBM"),
    };

    private static LinuxSeccomp Seccomp(JsonFields o) => new()
    {
        DefaultAction = o.String("defaultAction"),
        DefaultErrnoRet = o.NullableUInt32("defaultErrnoRet"),
        Architectures = o.Strings("architectures"),
        Flags = o.Strings("flags"),
        ListenerPath = o.NullableString("listenerPath"),
        ListenerMetadata = o.NullableString("listenerMetadata"),
        Syscalls = o.Objects("syscalls", s => new LinuxSyscall
        {
            Names = s.Strings("names") ?? [],
            Action = s.String("action"),
            ErrnoRet = s.NullableUInt32("errnoRet"),
            Args = s.Objects("args", a => new LinuxSeccompArg
            {
                Index = a.UInt32("index"),
                Value = a.UInt64("value"),
                ValueTwo = a.UInt64("valueTwo"),
                Op = a.String("op"),
            }),
        }),
    };
}
