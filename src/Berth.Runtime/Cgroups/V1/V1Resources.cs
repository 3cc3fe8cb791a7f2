using System.Globalization;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Cgroups.V1;

/// <summary>
/// Writes <c>linux.resources</c> into the v1 hierarchies, controller by controller in the order runc's
/// fs driver visits its subsystems (cpuset, memory, cpu, pids, blkio, hugetlb, net_cls, net_prio, rdma).
/// A field left out of the config is not written, so an update touches only what it names. Fields for
/// a controller that is not mounted fail, naming the field, unless they are unset.
/// </summary>
internal static class V1Resources
{
    public static void Apply(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxResources r)
    {
        if (r.Unified is { Count: > 0 })
            throw CgroupException.InvalidResource("unified", "cgroup v2 is not enabled on this host, cannot use unified resources");

        ApplyCpuset(w, paths, r.Cpu);
        ApplyMemory(w, paths, r.Memory);
        ApplyCpu(w, paths, r.Cpu);
        ApplyPids(w, paths, r.Pids);
        ApplyBlkio(w, paths, r.BlockIO);
        ApplyHugetlb(w, paths, r.HugepageLimits);
        ApplyNetwork(w, paths, r.Network);
        ApplyRdma(w, paths, r.Rdma);
    }

    // hugetlb, net_cls, net_prio and rdma are often not mounted at all; as runc, their settings are
    // then skipped (the kernel could not enforce them anywhere). The core controllers stay required:
    // a memory or pids limit that silently does nothing would be worse than an error.
    private static readonly HashSet<string> OptionalControllers = ["hugetlb", "net_cls", "net_prio", "rdma"];

    private static void WriteOptional(ResourceWriter w, IReadOnlyDictionary<string, string> paths, string controller, string field, string file, string value)
    {
        if (paths.TryGetValue(controller, out var dir))
            w.Write(field, dir, file, value);
        else if (!OptionalControllers.Contains(controller))
            Dir(paths, controller, field);
    }

    private static string Dir(IReadOnlyDictionary<string, string> paths, string controller, string field) =>
        paths.TryGetValue(controller, out var directory)
            ? directory
            : throw CgroupException.InvalidResource(field, $"the {controller} controller is not mounted on this host");

    private static void ApplyCpuset(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxCpu? cpu)
    {
        if (!string.IsNullOrEmpty(cpu?.Cpus))
            w.Write("cpu.cpus", Dir(paths, "cpuset", "cpu.cpus"), "cpuset.cpus", cpu.Cpus);
        if (!string.IsNullOrEmpty(cpu?.Mems))
            w.Write("cpu.mems", Dir(paths, "cpuset", "cpu.mems"), "cpuset.mems", cpu.Mems);
    }

    private static void ApplyMemory(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxMemory? m)
    {
        if (m is null)
            return;

        // 0 means "not set", as in runc's configs.Resources; kernel and kernelTCP are ignored, as runc
        // does since kernel memory accounting went away (Linux 5.16 deprecates kmem.limit_in_bytes).
        var limit = m.Limit ?? 0;
        var swap = m.Swap ?? 0;
        var reservation = m.Reservation ?? 0;
        var needed = limit != 0 || swap != 0 || reservation != 0 || m.DisableOomKiller == true || m.Swappiness is not null;
        if (!needed)
            return;

        var dir = Dir(paths, "memory", limit != 0 ? "memory.limit" : swap != 0 ? "memory.swap" : "memory");
        const string MemswFile = "memory.memsw.limit_in_bytes";

        // Unlimited memory with swap not given: unlimited memory+swap too, when swap accounting exists.
        if (limit == -1 && swap == 0 && w.Exists(dir, MemswFile))
            swap = -1;

        // memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes at every step (the kernel refuses
        // either write with EINVAL otherwise), so when both change the order depends on the direction:
        // raising writes memsw first, lowering writes the memory limit first (runc's setMemoryAndSwap).
        var swapFirst = false;
        if (limit != 0 && swap != 0)
        {
            var current = CgroupValues.ParseUInt(w.Read("memory.limit", dir, "memory.limit_in_bytes"));
            swapFirst = swap == -1 || current < (ulong)swap;
        }

        if (swapFirst)
        {
            WriteSwap(w, dir, swap);
            WriteLimit(w, dir, limit);
        }
        else
        {
            WriteLimit(w, dir, limit);
            WriteSwap(w, dir, swap);
        }

        if (reservation != 0)
            w.Write("memory.reservation", dir, "memory.soft_limit_in_bytes", reservation);
        if (m.DisableOomKiller == true)
            w.Write("memory.disableOOMKiller", dir, "memory.oom_control", "1");
        if (m.Swappiness is { } swappiness)
        {
            if (swappiness > 100)
                throw CgroupException.InvalidResource("memory.swappiness", $"invalid value {swappiness} (valid range is 0-100)");
            w.Write("memory.swappiness", dir, "memory.swappiness", swappiness);
        }

        static void WriteLimit(ResourceWriter w, string dir, long limit)
        {
            if (limit != 0)
                w.Write("memory.limit", dir, "memory.limit_in_bytes", limit);
        }

        static void WriteSwap(ResourceWriter w, string dir, long swap)
        {
            if (swap != 0)
                w.Write("memory.swap", dir, MemswFile, swap);
        }
    }

    private static void ApplyCpu(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxCpu? cpu)
    {
        if (cpu is null)
            return;
        var any = cpu.Shares is > 0 || cpu.Period is > 0 || cpu.Quota is not (null or 0) || cpu.Burst is not null ||
                  cpu.Idle is not null || cpu.RealtimePeriod is > 0 || cpu.RealtimeRuntime is not (null or 0);
        if (!any)
            return;

        var dir = Dir(paths, "cpu", "cpu");
        if (cpu.Shares is > 0 and var shares)
        {
            w.Write("cpu.shares", dir, "cpu.shares", shares);
            // The kernel clamps out-of-range shares silently; runc reads the value back to report it.
            var applied = CgroupValues.ParseUInt(w.Read("cpu.shares", dir, "cpu.shares"));
            if (shares > applied)
                throw CgroupException.InvalidResource("cpu.shares", $"the maximum allowed cpu-shares is {applied}");
            if (shares < applied)
                throw CgroupException.InvalidResource("cpu.shares", $"the minimum allowed cpu-shares is {applied}");
        }

        var quota = cpu.Quota ?? 0;
        var periodPending = false;
        if (cpu.Period is > 0 and var period)
        {
            try
            {
                w.Write("cpu.period", dir, "cpu.cfs_period_us", period);
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.EINVAL && quota != 0)
            {
                // A shorter period can push old-quota/new-period over the parent's bandwidth; the kernel
                // takes it once the new quota is in, so it is written again after the quota (as runc).
                periodPending = true;
            }
        }

        if (quota != 0)
        {
            w.Write("cpu.quota", dir, "cpu.cfs_quota_us", quota);
            if (periodPending)
                w.Write("cpu.period", dir, "cpu.cfs_period_us", cpu.Period!.Value);
        }

        if (cpu.Burst is { } burst)
        {
            try
            {
                w.Write("cpu.burst", dir, "cpu.cfs_burst_us", burst);
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT && burst == 0)
            {
                // No burst support in this kernel (before 5.14), and none asked for.
            }
        }

        if (cpu.Idle is { } idle)
            w.Write("cpu.idle", dir, "cpu.idle", idle);

        // The period first: the runtime must fit in it.
        if (cpu.RealtimePeriod is > 0 and var rtPeriod)
            w.Write("cpu.realtimePeriod", dir, "cpu.rt_period_us", rtPeriod);
        if (cpu.RealtimeRuntime is not (null or 0))
            w.Write("cpu.realtimeRuntime", dir, "cpu.rt_runtime_us", cpu.RealtimeRuntime.Value);
    }

    private static void ApplyPids(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxPids? pids)
    {
        // runc 1.1: 0 leaves pids.max alone, a negative value means no limit.
        if (pids is null || pids.Limit == 0)
            return;
        w.Write("pids.limit", Dir(paths, "pids", "pids.limit"), "pids.max", pids.Limit > 0 ? ResourceWriter.Format(pids.Limit) : "max");
    }

    private static void ApplyBlkio(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxBlockIO? io)
    {
        if (io is null)
            return;
        var any = io.Weight is > 0 || io.LeafWeight is > 0 || io.WeightDevice is { Count: > 0 } ||
                  io.ThrottleReadBpsDevice is { Count: > 0 } || io.ThrottleWriteBpsDevice is { Count: > 0 } ||
                  io.ThrottleReadIOPSDevice is { Count: > 0 } || io.ThrottleWriteIOPSDevice is { Count: > 0 };
        if (!any)
            return;

        var dir = Dir(paths, "blkio", "blockIO");
        // CFQ (gone in Linux 5.0) has blkio.weight; with BFQ the files are blkio.bfq.weight[_device].
        var (weightFile, weightDeviceFile) = w.Exists(dir, "blkio.weight")
            ? ("blkio.weight", "blkio.weight_device")
            : ("blkio.bfq.weight", "blkio.bfq.weight_device");

        if (io.Weight is > 0 and var weight)
            w.Write("blockIO.weight", dir, weightFile, weight);
        if (io.LeafWeight is > 0 and var leafWeight)
            w.Write("blockIO.leafWeight", dir, "blkio.leaf_weight", leafWeight);

        for (var i = 0; i < (io.WeightDevice?.Count ?? 0); i++)
        {
            var d = io.WeightDevice![i];
            if (d.Weight is > 0)
                w.Write($"blockIO.weightDevice[{i}].weight", dir, weightDeviceFile, Invariant($"{d.Major}:{d.Minor} {d.Weight}"));
            if (d.LeafWeight is > 0)
                w.Write($"blockIO.weightDevice[{i}].leafWeight", dir, "blkio.leaf_weight_device", Invariant($"{d.Major}:{d.Minor} {d.LeafWeight}"));
        }

        Throttle(w, dir, "throttleReadBpsDevice", io.ThrottleReadBpsDevice, "blkio.throttle.read_bps_device");
        Throttle(w, dir, "throttleWriteBpsDevice", io.ThrottleWriteBpsDevice, "blkio.throttle.write_bps_device");
        Throttle(w, dir, "throttleReadIOPSDevice", io.ThrottleReadIOPSDevice, "blkio.throttle.read_iops_device");
        Throttle(w, dir, "throttleWriteIOPSDevice", io.ThrottleWriteIOPSDevice, "blkio.throttle.write_iops_device");

        static void Throttle(ResourceWriter w, string dir, string name, List<LinuxThrottleDevice>? devices, string file)
        {
            for (var i = 0; i < (devices?.Count ?? 0); i++)
                w.Write($"blockIO.{name}[{i}]", dir, file, Invariant($"{devices![i].Major}:{devices[i].Minor} {devices[i].Rate}"));
        }
    }

    private static void ApplyHugetlb(ResourceWriter w, IReadOnlyDictionary<string, string> paths, List<LinuxHugepageLimit>? limits)
    {
        for (var i = 0; i < (limits?.Count ?? 0); i++)
        {
            var field = $"hugepageLimits[{i}]";
            var l = limits![i];
            if (!paths.TryGetValue("hugetlb", out var dir))
                return;
            w.Write(field, dir, $"hugetlb.{l.PageSize}.limit_in_bytes", l.Limit);
            // Reservation accounting (Linux 5.7): limit reservations the same, so mmap fails early
            // instead of a fault killing the process later.
            var rsvd = $"hugetlb.{l.PageSize}.rsvd.limit_in_bytes";
            if (w.Exists(dir, rsvd))
                w.Write(field, dir, rsvd, l.Limit);
        }
    }

    private static void ApplyNetwork(ResourceWriter w, IReadOnlyDictionary<string, string> paths, LinuxNetwork? network)
    {
        if (network?.ClassId is > 0 and var classId)
            WriteOptional(w, paths, "net_cls", "network.classID", "net_cls.classid", Invariant($"{classId}"));

        for (var i = 0; i < (network?.Priorities?.Count ?? 0); i++)
        {
            var p = network!.Priorities![i];
            var field = $"network.priorities[{i}]";
            WriteOptional(w, paths, "net_prio", field, "net_prio.ifpriomap", Invariant($"{p.Name} {p.Priority}"));
        }
    }

    private static void ApplyRdma(ResourceWriter w, IReadOnlyDictionary<string, string> paths, Dictionary<string, LinuxRdma>? rdma)
    {
        foreach (var (device, limit) in (rdma ?? []).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var field = $"rdma[\"{device}\"]";
            WriteOptional(w, paths, "rdma", field, "rdma.max", RdmaLine(device, limit));
        }
    }

    /// <summary>One rdma.max line: <c>mlx4_0 hca_handle=2 hca_object=2000</c>; an absent limit is left as it is.</summary>
    public static string RdmaLine(string device, LinuxRdma limit)
    {
        var line = device;
        if (limit.HcaHandles is { } handles)
            line += Invariant($" hca_handle={handles}");
        if (limit.HcaObjects is { } objects)
            line += Invariant($" hca_object={objects}");
        return line;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
