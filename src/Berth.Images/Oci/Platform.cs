using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using CpuArchitecture = System.Runtime.InteropServices.Architecture;

namespace Berth.Images.Oci;

/// <summary>The platform an image runs on, as an index entry or a config states it.</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "";

    [JsonPropertyName("os")]
    public string OS { get; set; } = "";

    [JsonPropertyName("os.version")]
    public string? OSVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OSFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>The platform of this machine, normalised (linux/amd64, linux/arm64, linux/arm/v7…).</summary>
    public static Platform Host { get; } = new Platform { OS = "linux", Architecture = HostArchitecture() }.Normalize();

    /// <summary>
    /// Parses containerd's specifier form <c>os[/arch[/variant]]</c>, or a bare architecture, which
    /// means the host's OS: <c>linux/arm64/v8</c>, <c>linux</c>, <c>arm64</c>.
    /// </summary>
    public static Platform Parse(string specifier)
    {
        var parts = specifier.ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw new FormatException($"platform \"{specifier}\": must have the form os[/arch[/variant]]");
        if (parts.Length == 1)
        {
            if (parts[0] == Host.OS || KnownOS.Contains(parts[0]))
                return (parts[0] == Host.OS ? Host : new Platform { OS = parts[0], Architecture = Host.Architecture }).Normalize();
            if (KnownArchitectures.Contains(parts[0]))
                return new Platform { OS = Host.OS, Architecture = parts[0] }.Normalize();
            throw new FormatException($"platform \"{specifier}\": unknown operating system or architecture");
        }
        return new Platform { OS = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null }.Normalize();
    }

    /// <summary>
    /// containerd's normalisation, so that equal platforms compare equal: architecture aliases
    /// (x86_64, aarch64, armhf…), and variants that add nothing (arm64/v8 is arm64, amd64/v1 is amd64).
    /// </summary>
    public Platform Normalize()
    {
        var os = OS.ToLowerInvariant();
        var arch = Architecture.ToLowerInvariant();
        var variant = string.IsNullOrEmpty(Variant) ? "" : Variant.ToLowerInvariant();
        switch (arch)
        {
            case "i386":
                arch = "386";
                variant = "";
                break;
            case "x86_64" or "x86-64" or "amd64":
                arch = "amd64";
                if (variant == "v1")
                    variant = "";
                break;
            case "aarch64" or "arm64":
                arch = "arm64";
                variant = variant switch
                {
                    "8" or "v8" or "v8.0" => "",
                    "9" or "9.0" or "v9.0" => "v9",
                    _ => variant,
                };
                break;
            case "armhf":
                arch = "arm";
                variant = "v7";
                break;
            case "armel":
                arch = "arm";
                variant = "v6";
                break;
            case "arm":
                variant = variant switch
                {
                    "" or "7" => "v7",
                    "5" or "6" or "8" => "v" + variant,
                    _ => variant,
                };
                break;
        }
        return this with { OS = os, Architecture = arch, Variant = variant.Length == 0 ? null : variant };
    }

    public override string ToString() =>
        string.IsNullOrEmpty(Variant) ? $"{OS}/{Architecture}" : $"{OS}/{Architecture}/{Variant}";

    private static readonly HashSet<string> KnownOS = ["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "android", "ios", "plan9", "js", "wasip1", "dragonfly"];

    private static readonly HashSet<string> KnownArchitectures = ["386", "amd64", "x86_64", "x86-64", "i386", "arm", "armhf", "armel", "arm64", "aarch64", "ppc64", "ppc64le", "s390x", "riscv64", "mips", "mipsle", "mips64", "mips64le", "loong64", "wasm"];

    private static string HostArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        CpuArchitecture.X64 => "amd64",
        CpuArchitecture.Arm64 => "arm64",
        CpuArchitecture.Arm => "arm",
        CpuArchitecture.X86 => "386",
        CpuArchitecture.S390x => "s390x",
        CpuArchitecture.Ppc64le => "ppc64le",
        CpuArchitecture.RiscV64 => "riscv64",
        CpuArchitecture.LoongArch64 => "loong64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
