using System.Runtime.InteropServices;

namespace Berth.Linux.Interop;

/// <summary>
/// The bpf(2) commands the device cgroup of cgroup v2 needs: load a BPF_PROG_TYPE_CGROUP_DEVICE
/// program, attach it to a cgroup, list and detach the ones already there. glibc has no bpf()
/// wrapper, so the calls go through syscall(2); the attribute layouts are those of
/// include/uapi/linux/bpf.h (union bpf_attr).
/// </summary>
public static unsafe partial class Bpf
{
    public const int BPF_PROG_LOAD = 5;
    public const int BPF_PROG_ATTACH = 8;
    public const int BPF_PROG_DETACH = 9;
    public const int BPF_PROG_GET_FD_BY_ID = 13;
    public const int BPF_PROG_QUERY = 16;

    public const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15;

    /// <summary>enum bpf_attach_type: BPF_CGROUP_DEVICE.</summary>
    public const uint BPF_CGROUP_DEVICE = 6;

    public const uint BPF_F_ALLOW_MULTI = 2;

    /// <summary>The size of union bpf_attr this code fills; the kernel requires the bytes it does not know to be zero.</summary>
    private const int AttrSize = 128;

    private const int VerifierLogSize = 64 * 1024;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long command, void* attr, long size);

    private static long SysBpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new PlatformNotSupportedException($"bpf: no syscall number for {other}"),
    };

    /// <summary>
    /// BPF_PROG_LOAD of a cgroup device program (<paramref name="instructions"/>: 8 bytes per
    /// struct bpf_insn). On a verifier rejection the exception names the verifier's log.
    /// </summary>
    public static UnixFd LoadCgroupDeviceProgram(ReadOnlySpan<byte> instructions, string license)
    {
        if (instructions.Length == 0 || instructions.Length % 8 != 0)
            throw new ArgumentException("bpf: instructions must be a non-empty multiple of 8 bytes", nameof(instructions));

        var licenseBytes = new byte[license.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(license, licenseBytes);
        var fd = Load(instructions, licenseBytes, log: null);
        if (fd >= 0)
            return new UnixFd(fd);

        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EINVAL or Errno.EACCES)
        {
            // Load again with the verifier's log, only to explain the failure.
            var log = new byte[VerifierLogSize];
            var retry = Load(instructions, licenseBytes, log);
            if (retry >= 0)
                return new UnixFd(retry);
            var text = System.Text.Encoding.ASCII.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
            if (text.Length > 0)
                throw new LinuxException(errno, $"bpf prog load (verifier: {text.ReplaceLineEndings("; ")})");
        }

        throw new LinuxException(errno, "bpf prog load");
    }

    /// <summary>BPF_PROG_ATTACH of <paramref name="programFd"/> to the cgroup open at <paramref name="cgroupFd"/>.</summary>
    public static void Attach(int cgroupFd, int programFd, uint attachType, uint flags, string cgroupPath)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = (uint)programFd;
        *(uint*)(attr + 8) = attachType;
        *(uint*)(attr + 12) = flags;
        if (Syscall(SysBpf, BPF_PROG_ATTACH, attr, AttrSize) < 0)
            throw LinuxException.FromLastError("bpf prog attach to", cgroupPath);
    }

    /// <summary>BPF_PROG_DETACH of one program from the cgroup open at <paramref name="cgroupFd"/>.</summary>
    public static void Detach(int cgroupFd, int programFd, uint attachType, string cgroupPath)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = (uint)programFd;
        *(uint*)(attr + 8) = attachType;
        if (Syscall(SysBpf, BPF_PROG_DETACH, attr, AttrSize) < 0)
            throw LinuxException.FromLastError("bpf prog detach from", cgroupPath);
    }

    /// <summary>BPF_PROG_QUERY: the ids of the programs attached directly to the cgroup (not inherited ones).</summary>
    public static uint[] QueryProgramIds(int cgroupFd, uint attachType, string cgroupPath)
    {
        for (var capacity = 8; ; capacity *= 2)
        {
            var ids = new uint[capacity];
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            fixed (uint* idsPtr = ids)
            {
                *(uint*)(attr + 0) = (uint)cgroupFd;
                *(uint*)(attr + 4) = attachType;
                *(ulong*)(attr + 16) = (ulong)idsPtr;
                *(uint*)(attr + 24) = (uint)capacity;
                if (Syscall(SysBpf, BPF_PROG_QUERY, attr, AttrSize) < 0)
                {
                    // ENOSPC: more programs than room; prog_cnt now holds how many.
                    if (Marshal.GetLastPInvokeError() == Errno.ENOSPC)
                        continue;
                    throw LinuxException.FromLastError("bpf prog query", cgroupPath);
                }
            }

            var count = (int)*(uint*)(attr + 24);
            return ids[..Math.Min(count, capacity)];
        }
    }

    /// <summary>BPF_PROG_GET_FD_BY_ID: an fd for an attached program, needed to detach it.</summary>
    public static UnixFd GetProgramFdById(uint id)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = id;
        var fd = Syscall(SysBpf, BPF_PROG_GET_FD_BY_ID, attr, AttrSize);
        return fd >= 0 ? new UnixFd((int)fd) : throw LinuxException.FromLastError($"bpf prog get fd by id {id}");
    }

    private static int Load(ReadOnlySpan<byte> instructions, byte[] license, byte[]? log)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        fixed (byte* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* logBuf = log)
        {
            *(uint*)(attr + 0) = BPF_PROG_TYPE_CGROUP_DEVICE;
            *(uint*)(attr + 4) = (uint)(instructions.Length / 8);
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)lic;
            if (log is not null)
            {
                *(uint*)(attr + 24) = 1;
                *(uint*)(attr + 28) = (uint)log.Length;
                *(ulong*)(attr + 32) = (ulong)logBuf;
            }

            return (int)Syscall(SysBpf, BPF_PROG_LOAD, attr, AttrSize);
        }
    }
}
