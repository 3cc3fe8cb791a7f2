using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;
using Berth.Linux.Interop;
using Berth.Oci.Runtime;
using Berth.Runtime.Processes;

namespace Berth.Runtime.Init;

/// <summary>The user process as the C last mile takes it: identity, capabilities, limits, then execve.</summary>
public sealed unsafe class ProcessExec(Process process, string path, int closeFrom, int logFd, byte[]? seccompFilter, uint seccompFlags)
{
    /// <summary>Executes the process; returns (with an exit code) only if that failed.</summary>
    /// <summary>An fd to keep open until execve (the exec fifo's write end), or -1.</summary>
    public int KeepFd { get; set; } = -1;

    public int Execute()
    {
        using var strings = new NativeStrings(process.Args!);
        using var env = new NativeStrings(process.Env ?? []);
        var user = process.User ?? new User();
        var groups = user.AdditionalGids ?? [];
        var groupArr = stackalloc uint[Math.Max(1, groups.Count)];
        for (var i = 0; i < groups.Count; i++)
            groupArr[i] = groups[i];
        var rlimits = process.Rlimits ?? [];
        var rl = stackalloc BerthNative.Rlimit[Math.Max(1, rlimits.Count)];
        for (var i = 0; i < rlimits.Count; i++)
        {
            if (!Rlimits.ByName.TryGetValue(rlimits[i].Type, out var res))
                throw new RuntimeException($"config.json: process.rlimits[{i}].type: unknown rlimit \"{rlimits[i].Type}\"");
            rl[i] = new BerthNative.Rlimit { Resource = (uint)res, Soft = rlimits[i].Soft, Hard = rlimits[i].Hard };
        }
        var caps = process.Capabilities;
        using var seccomp = seccompFilter is { Length: > 0 } ? new Seccomp.NativeSeccompFilter(seccompFilter) : null;
        var spec = new BerthNative.ExecSpec
        {
            Path = strings.Utf8(path),
            Argv = strings.Pointer,
            Envp = env.Pointer,
            Cwd = strings.Utf8(process.Cwd ?? "/"),
            Uid = user.Uid,
            Gid = user.Gid,
            // The supplementary groups are exactly the ones configured, never the runtime's own.
            NGroups = groups.Count,
            Groups = groupArr,
            Umask = user.Umask is { } um ? (int)um : -1,
            SetCaps = caps is null ? 0 : 1,
            LastCap = LastCap(),
            CapBounding = Bits(caps?.Bounding),
            CapEffective = Bits(caps?.Effective),
            CapPermitted = Bits(caps?.Permitted),
            CapInheritable = Bits(caps?.Inheritable),
            CapAmbient = Bits(caps?.Ambient),
            NoNewPrivs = process.NoNewPrivileges == true ? 1 : 0,
            NRlimits = rlimits.Count,
            Rlimits = rl,
            SeccompFilter = seccomp is null ? null : seccomp.Fprog,
            SeccompFlags = seccompFlags,
            CloseFrom = closeFrom,
            KeepFd = KeepFd,
        };
        var err = stackalloc byte[1024];
        BerthNative.ExecContainer(&spec, err, 1024);
        var message = Marshal.PtrToStringUTF8((nint)err) ?? "exec failed";
        var line = Encoding.UTF8.GetBytes($"berth-runtime init: {message}\n");
        if (logFd >= 0)
        {
            try
            {
                Sys.Write(logFd, line, "log pipe");
            }
            catch (LinuxException)
            {
            }
        }
        try
        {
            Sys.Write(2, line, "stderr");
        }
        catch (LinuxException)
        {
        }
        return 127;
    }

    /// <summary>
    /// Fails now, while create can still report it, where capset would fail at start: a process
    /// cannot be given an effective or permitted capability this one does not hold (capset(2),
    /// EPERM; on this kind of host, one missing from the runtime's bounding set). runc applies
    /// capabilities before create returns, so its create fails the same way.
    /// </summary>
    public void CheckCapabilitiesGrantable()
    {
        if (process.Capabilities is not { } caps)
            return;
        var missing = (Bits(caps.Effective) | Bits(caps.Permitted)) & ~HeldPermitted();
        if (missing == 0)
            return;
        var names = Capabilities.Names.Where((_, bit) => (missing & (1UL << bit)) != 0);
        throw new RuntimeException($"config.json: process.capabilities: cannot grant {string.Join(", ", names)}: the runtime does not hold it (capset would fail with EPERM)");
    }

    private static ulong HeldPermitted()
    {
        var header = new CapHeader { Version = CapHeader.Version3, Pid = 0 };
        var data = stackalloc CapData[2];
        if (Libc.Capget(&header, data) != 0)
            throw LinuxException.FromLastError("capget", "self");
        return data[0].Permitted | ((ulong)data[1].Permitted << 32);
    }

    private static ulong Bits(List<string>? names)
    {
        ulong bits = 0;
        foreach (var n in names ?? [])
        {
            if (Capabilities.All.TryGetValue(n, out var bit))
                bits |= 1UL << bit;
        }
        return bits;
    }

    private static int LastCap()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return Capabilities.Names.Count - 1;
        }
    }
}
