using System.Globalization;
using Berth.Oci.Runtime;
using Berth.Runtime.Cgroups.V1;

namespace Berth.Runtime.Cgroups.V2;

/// <summary>
/// Writes <c>linux.resources</c> into a cgroup2 directory in runc's fs2 order (pids, memory, io, cpu,
/// cpuset, hugetlb, rdma, then <c>unified</c> last so that it can override any of them), converting
/// the v1-shaped OCI values the way runc does. Unset fields are not written.
/// </summary>
internal static class V2Resources
{
    public static void Apply(ResourceWriter w, string dir, LinuxResources r)
    {
        if (r.Network is { ClassId: > 0 } || r.Network?.Priorities is { Count: > 0 })
            throw CgroupException.InvalidResource("network", "net_cls and net_prio are cgroup v1 controllers; cgroup v2 has no equivalent");
        if (r.Cpu?.RealtimeRuntime is not (null or 0) || r.Cpu?.RealtimePeriod is not (null or 0))
        {
            var field = r.Cpu!.RealtimeRuntime is not (null or 0) ? "cpu.realtimeRuntime" : "cpu.realtimePeriod";
            throw CgroupException.InvalidResource(field, "realtime scheduling limits are not supported on cgroup v2");
        }

        EnableControllers(w.FileSystem, dir);

        if (r.Pids is { Limit: not 0 } pids)
            w.Write("pids.limit", dir, "pids.max", pids.Limit > 0 ? ResourceWriter.Format(pids.Limit) : "max");
        ApplyMemory(w, dir, r.Memory);
        ApplyIo(w, dir, r.BlockIO);
        ApplyCpu(w, dir, r.Cpu);
        if (!string.IsNullOrEmpty(r.Cpu?.Cpus))
            w.Write("cpu.cpus", dir, "cpuset.cpus", r.Cpu.Cpus);
        if (!string.IsNullOrEmpty(r.Cpu?.Mems))
            w.Write("cpu.mems", dir, "cpuset.mems", r.Cpu.Mems);
        ApplyHugetlb(w, dir, r.HugepageLimits);
        foreach (var (device, limit) in (r.Rdma ?? []).OrderBy(e => e.Key, StringComparer.Ordinal))
            w.Write($"rdma[\"{device}\"]", dir, "rdma.max", V1Resources.RdmaLine(device, limit));
        ApplyUnified(w, dir, r.Unified);
    }

    /// <summary>
    /// A controller's files appear in a cgroup only when its parent lists it in cgroup.subtree_control.
    /// As runc's CreateCgroupPath does, every controller available at each level from the mount's root
    /// down to the container's parent is enabled for the level below; one that cannot be (cpuset
    /// with processes in the way, a threaded subtree) is skipped rather than failing the container.
    /// </summary>
    public static void EnableControllers(ICgroupFileSystem fs, string dir)
    {
        var ancestors = new Stack<string>();
        for (var level = CgroupDirectoryPath.Parent(dir);
             level is not null && fs.Exists(CgroupDirectoryPath.Join(level, "cgroup.controllers"));
             level = CgroupDirectoryPath.Parent(level))
        {
            ancestors.Push(level);
        }

        while (ancestors.TryPop(out var level))
        {
            var available = Words(fs.ReadFile(CgroupDirectoryPath.Join(level, "cgroup.controllers")));
            var enabled = Words(fs.ReadFile(CgroupDirectoryPath.Join(level, "cgroup.subtree_control")));
            var missing = available.Except(enabled, StringComparer.Ordinal).ToList();
            if (missing.Count == 0)
                continue;

            var subtree = CgroupDirectoryPath.Join(level, "cgroup.subtree_control");
            try
            {
                fs.WriteFile(subtree, string.Join(' ', missing.Select(c => "+" + c)));
            }
            catch (CgroupException)
            {
                foreach (var controller in missing)
                {
                    try
                    {
                        fs.WriteFile(subtree, "+" + controller);
                    }
                    catch (CgroupException)
                    {
                    }
                }
            }
        }

        static string[] Words(string text) => text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
    }

    private static void ApplyMemory(ResourceWriter w, string dir, LinuxMemory? m)
    {
        if (m is null)
            return;
        // swappiness and disableOOMKiller have no v2 file and are ignored, as runc's fs2 does;
        // kernel and kernelTCP are ignored on both versions.
        var limit = m.Limit ?? 0;
        var swap = m.Swap ?? 0;
        var reservation = m.Reservation ?? 0;
        if (limit == 0 && swap == 0 && reservation == 0)
            return;

        // Lowering memory.max below the usage makes v2 reclaim and then OOM-kill (v1 refused with EBUSY
        // instead); checkBeforeUpdate asks to refuse it up front.
        if (m.CheckBeforeUpdate == true && limit > 0 &&
            CgroupValues.ParseUInt(w.Read("memory.limit", dir, "memory.current")) is var usage && usage >= (ulong)limit)
        {
            throw CgroupException.InvalidResource("memory.limit", $"rejecting memory limit {limit} below the current usage {usage}");
        }

        var swapV2 = CgroupValues.MemorySwapToV2(swap, limit, out var error);
        if (error is not null)
            throw CgroupException.InvalidResource("memory.swap", error);

        // 0 is "unset" except when swap equals the limit: that asks for no swap at all.
        var swapValue = swapV2 switch
        {
            -1 => "max",
            0 when swap > 0 => "0",
            0 => null,
            _ => ResourceWriter.Format(swapV2),
        };
        if (swapValue is not null)
        {
            try
            {
                w.Write("memory.swap", dir, "memory.swap.max", swapValue);
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT && swapValue is "max" or "0")
            {
                // No swap accounting on this host: "unlimited" and "none" both hold already.
            }
        }

        if (limit != 0)
            w.Write("memory.limit", dir, "memory.max", limit == -1 ? "max" : ResourceWriter.Format(limit));
        if (reservation != 0)
            w.Write("memory.reservation", dir, "memory.low", reservation == -1 ? "max" : ResourceWriter.Format(reservation));
    }

    private static void ApplyIo(ResourceWriter w, string dir, LinuxBlockIO? io)
    {
        if (io is null)
            return;

        // BFQ takes the v1 weight range (1…1000) as it is, in io.bfq.weight; otherwise the weight is
        // scaled into io.weight's 1…10000.
        var bfq = w.Exists(dir, "io.bfq.weight");
        if (io.Weight is > 0 and var weight)
        {
            if (bfq)
                w.Write("blockIO.weight", dir, "io.bfq.weight", weight);
            else
                w.Write("blockIO.weight", dir, "io.weight", CgroupValues.BlkioWeightToIoWeight(weight));
        }

        // leafWeight has no v2 counterpart and is ignored, as in runc.
        for (var i = 0; i < (io.WeightDevice?.Count ?? 0); i++)
        {
            var d = io.WeightDevice![i];
            if (d.Weight is not > 0)
                continue;
            var field = $"blockIO.weightDevice[{i}].weight";
            // Per-device weights exist only with BFQ, in its "major:minor weight" syntax (Linux 5.4+,
            // which prints a "default" line first).
            if (!bfq || !w.Read(field, dir, "io.bfq.weight").StartsWith("default", StringComparison.Ordinal))
                throw CgroupException.InvalidResource(field, "per-device weights need the BFQ I/O scheduler (io.bfq.weight with device entries)");
            w.Write(field, dir, "io.bfq.weight", Invariant($"{d.Major}:{d.Minor} {d.Weight}"));
        }

        Throttle(w, dir, "throttleReadBpsDevice", io.ThrottleReadBpsDevice, "rbps");
        Throttle(w, dir, "throttleWriteBpsDevice", io.ThrottleWriteBpsDevice, "wbps");
        Throttle(w, dir, "throttleReadIOPSDevice", io.ThrottleReadIOPSDevice, "riops");
        Throttle(w, dir, "throttleWriteIOPSDevice", io.ThrottleWriteIOPSDevice, "wiops");

        static void Throttle(ResourceWriter w, string dir, string name, List<LinuxThrottleDevice>? devices, string key)
        {
            for (var i = 0; i < (devices?.Count ?? 0); i++)
                w.Write($"blockIO.{name}[{i}]", dir, "io.max", Invariant($"{devices![i].Major}:{devices[i].Minor} {key}={devices[i].Rate}"));
        }
    }

    private static void ApplyCpu(ResourceWriter w, string dir, LinuxCpu? cpu)
    {
        if (cpu is null)
            return;
        if (cpu.Idle is { } idle)
            w.Write("cpu.idle", dir, "cpu.idle", idle);
        if (cpu.Shares is > 0 and var shares)
            w.Write("cpu.shares", dir, "cpu.weight", CgroupValues.CpuSharesToWeight(shares));

        string? burst = null;
        if (cpu.Burst is { } b)
        {
            burst = ResourceWriter.Format(b);
            WriteBurst(w, dir, burst);
        }

        var quota = cpu.Quota ?? 0;
        var period = cpu.Period ?? 0;
        if (quota != 0 || period != 0)
        {
            // "$MAX $PERIOD"; a negative quota is no limit. With the period alone, "max" keeps it unlimited
            // as runc writes it.
            var value = quota > 0 ? ResourceWriter.Format(quota) : "max";
            if (period != 0)
                value += " " + ResourceWriter.Format(period);
            w.Write(quota != 0 ? "cpu.quota" : "cpu.period", dir, "cpu.max", value);
            // The burst cannot exceed the quota: write it again now that the quota is in.
            if (burst is not null)
                WriteBurst(w, dir, burst);
        }

        static void WriteBurst(ResourceWriter w, string dir, string burst)
        {
            try
            {
                w.Write("cpu.burst", dir, "cpu.max.burst", burst);
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT && burst == "0")
            {
            }
        }
    }

    private static void ApplyHugetlb(ResourceWriter w, string dir, List<LinuxHugepageLimit>? limits)
    {
        for (var i = 0; i < (limits?.Count ?? 0); i++)
        {
            var field = $"hugepageLimits[{i}]";
            var l = limits![i];
            w.Write(field, dir, $"hugetlb.{l.PageSize}.max", l.Limit);
            var rsvd = $"hugetlb.{l.PageSize}.rsvd.max";
            if (w.Exists(dir, rsvd))
                w.Write(field, dir, rsvd, l.Limit);
        }
    }

    private static void ApplyUnified(ResourceWriter w, string dir, Dictionary<string, string>? unified)
    {
        foreach (var (key, value) in (unified ?? []).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var field = $"unified[\"{key}\"]";
            // The key names a file in the container's own cgroup and nothing else: no path components
            // (a "../x" key would write to the parent's files, outside the container's limits).
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            if (key.Contains('/', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal) || dot <= 0 || dot == key.Length - 1)
                throw CgroupException.InvalidResource(field, "a key must be a cgroup file name of the form CONTROLLER.PARAMETER");

            try
            {
                w.Write(field, dir, key, value);
            }
            catch (CgroupException e) when (e.Errno is CgroupErrno.ENOENT or CgroupErrno.EACCES or 1)
            {
                var controller = key[..dot];
                var available = w.FileSystem.ReadFile(CgroupDirectoryPath.Join(dir, "cgroup.controllers"))
                    .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
                if (controller != "cgroup" && !available.Contains(controller, StringComparer.Ordinal))
                    throw CgroupException.InvalidResource(field, $"unknown key: controller \"{controller}\" is not available in {dir}", e.Path, e.Errno, e);
                if (e.Errno == CgroupErrno.ENOENT)
                    throw CgroupException.InvalidResource(field, $"unknown key: {e.Path} does not exist", e.Path, e.Errno, e);
                throw;
            }
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
