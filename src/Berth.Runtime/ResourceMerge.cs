using Berth.Oci.Runtime;

namespace Berth.Runtime;

/// <summary>An update's resources laid over the recorded ones: a field the update sets wins, others stay.</summary>
public static class ResourceMerge
{
    public static LinuxResources Merge(LinuxResources? current, LinuxResources update)
    {
        var r = current ?? new LinuxResources();
        r.Devices = update.Devices ?? r.Devices;
        r.Memory = update.Memory is null ? r.Memory : r.Memory is null ? update.Memory : Merge(r.Memory, update.Memory);
        r.Cpu = update.Cpu is null ? r.Cpu : r.Cpu is null ? update.Cpu : Merge(r.Cpu, update.Cpu);
        r.Pids = update.Pids ?? r.Pids;
        r.BlockIO = update.BlockIO ?? r.BlockIO;
        r.HugepageLimits = update.HugepageLimits ?? r.HugepageLimits;
        r.Network = update.Network ?? r.Network;
        r.Rdma = update.Rdma ?? r.Rdma;
        if (update.Unified is { } unified)
        {
            r.Unified ??= [];
            foreach (var (k, v) in unified)
                r.Unified[k] = v;
        }
        return r;
    }

    private static LinuxMemory Merge(LinuxMemory a, LinuxMemory b)
    {
        a.Limit = b.Limit ?? a.Limit;
        a.Reservation = b.Reservation ?? a.Reservation;
        a.Swap = b.Swap ?? a.Swap;
        a.Kernel = b.Kernel ?? a.Kernel;
        a.KernelTCP = b.KernelTCP ?? a.KernelTCP;
        a.Swappiness = b.Swappiness ?? a.Swappiness;
        a.DisableOomKiller = b.DisableOomKiller ?? a.DisableOomKiller;
        a.CheckBeforeUpdate = b.CheckBeforeUpdate ?? a.CheckBeforeUpdate;
        return a;
    }

    private static LinuxCpu Merge(LinuxCpu a, LinuxCpu b)
    {
        a.Shares = b.Shares ?? a.Shares;
        a.Quota = b.Quota ?? a.Quota;
        a.Burst = b.Burst ?? a.Burst;
        a.Period = b.Period ?? a.Period;
        a.RealtimeRuntime = b.RealtimeRuntime ?? a.RealtimeRuntime;
        a.RealtimePeriod = b.RealtimePeriod ?? a.RealtimePeriod;
        a.Cpus = b.Cpus ?? a.Cpus;
        a.Mems = b.Mems ?? a.Mems;
        a.Idle = b.Idle ?? a.Idle;
        return a;
    }
}
