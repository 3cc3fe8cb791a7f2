using Berth.Linux.Interop;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Seccomp;

/// <summary>The spec's SCMP_ARCH_* names and libseccomp's architecture tokens (the kernel's AUDIT_ARCH_* values).</summary>
public static class SeccompArchitectures
{
    private const string Prefix = "SCMP_ARCH_";

    /// <summary>
    /// libseccomp's own name for a spec architecture ("SCMP_ARCH_X86_64" is "x86_64"), or null
    /// for a name the spec does not list.
    /// </summary>
    public static string? LibseccompName(string ociName) =>
        SeccompNames.Architectures.Contains(ociName) ? ociName[Prefix.Length..].ToLowerInvariant() : null;

    /// <summary>
    /// The token libseccomp uses for the architecture, or null when the name is not a spec
    /// architecture or the installed libseccomp does not know it (loongarch64 needs 2.6).
    /// </summary>
    public static uint? Token(string ociName)
    {
        if (LibseccompName(ociName) is not { } name)
            return null;
        SeccompLibrary.Require();
        var token = Libseccomp.ArchResolveName(name);
        return token == 0 ? null : token;
    }

    /// <summary>The architecture of this process, as libseccomp sees it.</summary>
    public static uint Native
    {
        get
        {
            SeccompLibrary.Require();
            return Libseccomp.ArchNative();
        }
    }
}
