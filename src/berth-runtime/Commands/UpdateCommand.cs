using System.CommandLine;
using System.Globalization;
using System.Text;
using Berth.Oci.Runtime;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>update: changes a running container's resource limits, from runc's flags or -r resources.json.</summary>
public static class UpdateCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var resources = new Option<string?>("--resources", "-r") { Description = "path to the file containing the resources to update or '-' to read from the standard input" };
        var blkioWeight = new Option<string?>("--blkio-weight") { Description = "specifies per cgroup weight, range is from 10 to 1000" };
        var cpuPeriod = new Option<string?>("--cpu-period") { Description = "CPU CFS period to be used for hardcapping (in usecs)" };
        var cpuQuota = new Option<string?>("--cpu-quota") { Description = "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period" };
        var cpuShare = new Option<string?>("--cpu-share") { Description = "CPU shares (relative weight vs. other containers)" };
        var rtPeriod = new Option<string?>("--cpu-rt-period") { Description = "CPU realtime period to be used for hardcapping (in usecs)" };
        var rtRuntime = new Option<string?>("--cpu-rt-runtime") { Description = "CPU realtime hardcap limit (in usecs)" };
        var cpus = new Option<string?>("--cpuset-cpus") { Description = "CPU(s) to use" };
        var mems = new Option<string?>("--cpuset-mems") { Description = "Memory node(s) to use" };
        var kernel = new Option<string?>("--kernel-memory") { Description = "(obsoleted; do not use)", Hidden = true };
        var kernelTcp = new Option<string?>("--kernel-memory-tcp") { Description = "(obsoleted; do not use)", Hidden = true };
        var memory = new Option<string?>("--memory") { Description = "Memory limit (in bytes)" };
        var reservation = new Option<string?>("--memory-reservation") { Description = "Memory reservation or soft_limit (in bytes)" };
        var swap = new Option<string?>("--memory-swap") { Description = "Total memory usage (memory + swap); set '-1' to enable unlimited swap" };
        var pids = new Option<string?>("--pids-limit") { Description = "Maximum number of pids allowed in the container" };
        var cmd = new Command("update", "update container resource constraints")
        {
            id, resources, blkioWeight, cpuPeriod, cpuQuota, cpuShare, rtPeriod, rtRuntime, cpus, mems, kernel, kernelTcp, memory, reservation, swap, pids,
        };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            LinuxResources r;
            if (p.GetValue(resources) is { } file)
            {
                var json = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
                var spec = SpecLoader.Parse(Encoding.UTF8.GetBytes("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/\"},\"linux\":{\"resources\":" + json + "}}"), file == "-" ? "stdin" : Path.GetFileName(file));
                r = spec.Linux!.Resources!;
            }
            else
                r = new LinuxResources();
            if (p.GetValue(blkioWeight) is { } bw)
                (r.BlockIO ??= new LinuxBlockIO()).Weight = (ushort)Number(bw, "--blkio-weight", 10, 1000);
            var cpu = r.Cpu ?? new LinuxCpu();
            var touchedCpu = false;
            if (p.GetValue(cpuPeriod) is { } cp) { cpu.Period = (ulong)Number(cp, "--cpu-period", 0); touchedCpu = true; }
            if (p.GetValue(cpuQuota) is { } cq) { cpu.Quota = Number(cq, "--cpu-quota", -1); touchedCpu = true; }
            if (p.GetValue(cpuShare) is { } cs) { cpu.Shares = (ulong)Number(cs, "--cpu-share", 0); touchedCpu = true; }
            if (p.GetValue(rtPeriod) is { } rp) { cpu.RealtimePeriod = (ulong)Number(rp, "--cpu-rt-period", 0); touchedCpu = true; }
            if (p.GetValue(rtRuntime) is { } rr) { cpu.RealtimeRuntime = Number(rr, "--cpu-rt-runtime", -1); touchedCpu = true; }
            if (p.GetValue(cpus) is { } cc) { cpu.Cpus = cc; touchedCpu = true; }
            if (p.GetValue(mems) is { } mm) { cpu.Mems = mm; touchedCpu = true; }
            if (touchedCpu)
                r.Cpu = cpu;
            var mem = r.Memory ?? new LinuxMemory();
            var touchedMem = false;
            if (p.GetValue(memory) is { } m) { mem.Limit = Bytes(m, "--memory"); touchedMem = true; }
            if (p.GetValue(reservation) is { } res) { mem.Reservation = Bytes(res, "--memory-reservation"); touchedMem = true; }
            if (p.GetValue(swap) is { } sw) { mem.Swap = Bytes(sw, "--memory-swap"); touchedMem = true; }
            if (p.GetValue(kernel) is not null || p.GetValue(kernelTcp) is not null)
                ctx.Log.Warn("--kernel-memory and --kernel-memory-tcp are obsolete and ignored");
            if (touchedMem)
                r.Memory = mem;
            if (p.GetValue(pids) is { } pl)
                r.Pids = new LinuxPids { Limit = Number(pl, "--pids-limit", -1) };
            container.Update(r);
            return 0;
        }));
        return cmd;
    }

    private static long Number(string s, string flag, long min, long max = long.MaxValue) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new RuntimeException($"{flag}: invalid value \"{s}\"");

    /// <summary>Byte sizes as docker's units.RAMInBytes reads them: 512, 100k, 64m, 1g (binary multiples); -1 for unlimited.</summary>
    public static long Bytes(string s, string flag)
    {
        if (s == "-1")
            return -1;
        var t = s.Trim().ToLowerInvariant().TrimEnd('b');
        long mult = 1;
        if (t.Length > 0 && "kmgtp".Contains(t[^1], StringComparison.Ordinal))
        {
            mult = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1L << 50 };
            t = t[..^1];
        }
        return double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? (long)(v * mult)
            : throw new RuntimeException($"{flag}: invalid size \"{s}\"");
    }
}
