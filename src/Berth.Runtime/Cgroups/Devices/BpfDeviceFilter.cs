using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Runtime.Cgroups.Devices;

/// <summary>
/// Puts a device program on a cgroup2 directory in place of the ones already there: the new program
/// is attached first (BPF_F_ALLOW_MULTI) and the old ones detached after, so there is no moment when
/// the cgroup has no device policy; while both run, an access needs both to allow it.
/// </summary>
public static class BpfDeviceFilter
{
    public static void Install(string cgroupDirectory, IReadOnlyList<BpfInstruction> program)
    {
        var code = DeviceFilterProgram.Encode(program);
        try
        {
            using var cgroup = Sys.Open(cgroupDirectory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            var previous = Bpf.QueryProgramIds(cgroup.Value, Bpf.BPF_CGROUP_DEVICE, cgroupDirectory);
            using (var loaded = Bpf.LoadCgroupDeviceProgram(code, DeviceFilterProgram.License))
                Bpf.Attach(cgroup.Value, loaded.Value, Bpf.BPF_CGROUP_DEVICE, Bpf.BPF_F_ALLOW_MULTI, cgroupDirectory);

            foreach (var id in previous)
            {
                using var old = Bpf.GetProgramFdById(id);
                Bpf.Detach(cgroup.Value, old.Value, Bpf.BPF_CGROUP_DEVICE, cgroupDirectory);
            }
        }
        catch (LinuxException e)
        {
            throw CgroupException.InvalidResource("devices", $"install the device filter on {cgroupDirectory}: {e.Message}", cgroupDirectory, e.Errno, e);
        }
    }

    /// <summary>The ids of the device programs attached directly to the cgroup.</summary>
    public static IReadOnlyList<uint> AttachedProgramIds(string cgroupDirectory)
    {
        using var cgroup = Sys.Open(cgroupDirectory, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        return Bpf.QueryProgramIds(cgroup.Value, Bpf.BPF_CGROUP_DEVICE, cgroupDirectory);
    }
}
