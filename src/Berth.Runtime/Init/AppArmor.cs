using Berth.Linux;
using Berth.Runtime.Rootfs;

namespace Berth.Runtime.Init;

/// <summary>
/// process.apparmorProfile, applied as runc applies it: written to this thread's exec attribute,
/// so the kernel confines the process from the last mile's execve on (that runs on this thread).
/// A profile the kernel cannot apply, on a host without AppArmor among others, fails create: the
/// process never runs unconfined when a profile was asked for.
/// </summary>
public static class AppArmor
{
    public static void ApplyOnExec(string? profile)
    {
        if (string.IsNullOrEmpty(profile))
            return;
        // Since Linux 5.8 each LSM has its own attr directory; attr/exec is the older shared file.
        var path = Directory.Exists("/proc/thread-self/attr/apparmor")
            ? "/proc/thread-self/attr/apparmor/exec"
            : "/proc/thread-self/attr/exec";
        try
        {
            ProcFs.Write(path, "exec " + profile);
        }
        catch (LinuxException e)
        {
            throw new RuntimeException($"config.json: process.apparmorProfile: cannot apply \"{profile}\" ({e.Message}); is AppArmor enabled and the profile loaded?");
        }
    }
}
