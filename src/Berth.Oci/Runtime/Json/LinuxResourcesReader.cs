namespace Berth.Oci.Runtime.Json;

/// <summary>Maps <c>linux.resources</c> onto <see cref="LinuxResources"/> (see <see cref="SpecReader"/>).</summary>
internal static class LinuxResourcesReader
{
    public static LinuxResources Read(JsonFields o) => new()
    {
        Devices = o.Objects("devices", d => new LinuxDeviceCgroup
        {
            Allow = d.Bool("allow"),
            Type = d.NullableString("type"),
            Major = d.NullableInt64("major"),
            Minor = d.NullableInt64("minor"),
            Access = d.NullableString("access"),
        }),
        Memory = o.Object("memory", Memory),
        Cpu = o.Object("cpu", Cpu),
        Pids = o.Object("pids", p => new LinuxPids { Limit = p.Int64("limit") }),
        BlockIO = o.Object("blockIO", BlockIO),
        HugepageLimits = o.Objects("hugepageLimits", h => new LinuxHugepageLimit { PageSize = h.String("pageSize"), Limit = h.UInt64("limit") }),
        Network = o.Object("network", n => new LinuxNetwork
        {
            ClassId = n.NullableUInt32("classID"),
            Priorities = n.Objects("priorities", p => new LinuxInterfacePriority { Name = p.String("name"), Priority = p.UInt32("priority") }),
        }),
        Rdma = o.ObjectMap("rdma", r => new LinuxRdma { HcaHandles = r.NullableUInt32("hcaHandles"), HcaObjects = r.NullableUInt32("hcaObjects") }),
        Unified = o.StringMap("unified"),
    };

    private static LinuxMemory Memory(JsonFields o) => new()
    {
        Limit = o.NullableInt64("limit"),
        Reservation = o.NullableInt64("reservation"),
        Swap = o.NullableInt64("swap"),
        Kernel = o.NullableInt64("kernel"),
        KernelTCP = o.NullableInt64("kernelTCP"),
        Swappiness = o.NullableUInt64("swappiness"),
        DisableOomKiller = o.NullableBool("disableOOMKiller"),
        UseHierarchy = o.NullableBool("useHierarchy"),
        CheckBeforeUpdate = o.NullableBool("checkBeforeUpdate"),
    };

    private static LinuxCpu Cpu(JsonFields o) => new()
    {
        Shares = o.NullableUInt64("shares"),
        Quota = o.NullableInt64("quota"),
        Burst = o.NullableUInt64("burst"),
        Period = o.NullableUInt64("period"),
        RealtimeRuntime = o.NullableInt64("realtimeRuntime"),
        RealtimePeriod = o.NullableUInt64("realtimePeriod"),
        Cpus = o.NullableString("cpus"),
        Mems = o.NullableString("mems"),
        Idle = o.NullableInt64("idle"),
    };

    private static LinuxBlockIO BlockIO(JsonFields o) => new()
    {
        Weight = o.NullableUInt16("weight"),
        LeafWeight = o.NullableUInt16("leafWeight"),
        WeightDevice = o.Objects("weightDevice", w => new LinuxWeightDevice
        {
            Major = w.Int64("major"),
            Minor = w.Int64("minor"),
            Weight = w.NullableUInt16("weight"),
            LeafWeight = w.NullableUInt16("leafWeight"),
        }),
        ThrottleReadBpsDevice = o.Objects("throttleReadBpsDevice", Throttle),
        ThrottleWriteBpsDevice = o.Objects("throttleWriteBpsDevice", Throttle),
        ThrottleReadIOPSDevice = o.Objects("throttleReadIOPSDevice", Throttle),
        ThrottleWriteIOPSDevice = o.Objects("throttleWriteIOPSDevice", Throttle),
    };

    private static LinuxThrottleDevice Throttle(JsonFields o) => new()
    {
        Major = o.Int64("major"),
        Minor = o.Int64("minor"),
        Rate = o.UInt64("rate"),
    };
}
