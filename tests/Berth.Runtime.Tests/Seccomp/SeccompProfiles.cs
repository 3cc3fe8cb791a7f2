using System.Runtime.CompilerServices;
using System.Text.Json;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>Profiles for the tests: the fixture, and small ones built inline.</summary>
internal static class SeccompProfiles
{
    /// <summary>
    /// A representative subset of moby's default profile, as an engine hands it to the runtime
    /// (capability groups already resolved for a default container): ERRNO(EPERM) by default,
    /// an allowlist, personality and socket and clone filtered by argument, clone3 as ENOSYS,
    /// 32-bit names (pseudo syscalls on x86_64), and names newer than libseccomp 2.5.4.
    /// </summary>
    public static LinuxSeccomp Default() => Parse(File.ReadAllText(FixturePath("default-profile.json")));

    public static LinuxSeccomp Parse(string json) =>
        JsonSerializer.Deserialize(json, OciJsonContext.Default.LinuxSeccomp) ?? throw new JsonException("null profile");

    /// <summary>A profile with <paramref name="defaultAction"/> and the given rules.</summary>
    public static LinuxSeccomp With(string defaultAction, params LinuxSyscall[] rules) =>
        new() { DefaultAction = defaultAction, Syscalls = [.. rules] };

    public static LinuxSyscall Rule(string action, params string[] names) => new() { Action = action, Names = [.. names] };

    public static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static string FixturePath(string name, [CallerFilePath] string here = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(here) ?? "", "Fixtures", name);
        if (File.Exists(beside))
            return beside;
        // A build with mapped source paths: look for the repository above the output folder.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Berth.Runtime.Tests", "Seccomp", "Fixtures", name);
            if (File.Exists(candidate))
                return candidate;
        }

        throw new FileNotFoundException($"seccomp fixture {name} not found", beside);
    }
}
