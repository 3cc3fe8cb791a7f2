using Berth.Linux.Interop;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// Whether libseccomp can be used. The runtime links it dynamically and loads it only when a
/// config asks for a filter, so containers without seccomp run on hosts that lack it.
/// </summary>
public static class SeccompLibrary
{
    private static readonly Lazy<bool> s_available = new(() => Libseccomp.TryLoad());

    /// <summary>True when <see cref="Libseccomp.LibraryName"/> loads.</summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>Throws the error a user sees when a profile needs libseccomp and it is missing.</summary>
    public static void Require()
    {
        if (!IsAvailable)
            throw NotFound(Libseccomp.LibraryName);
    }

    /// <summary>Like <see cref="Require()"/> for another soname: the check behind it, testable without uninstalling.</summary>
    public static void Require(string libraryName)
    {
        if (!Libseccomp.TryLoad(libraryName))
            throw NotFound(libraryName);
    }

    /// <summary>"2.5.4", or null when the library is missing (runc's features annotation).</summary>
    public static unsafe string? Version()
    {
        if (!IsAvailable)
            return null;
        var v = Libseccomp.Version();
        return v is null ? null : $"{v->Major}.{v->Minor}.{v->Micro}";
    }

    /// <summary>
    /// The filter flags this host accepts, for features' "supportedFlags". libseccomp's API
    /// level says what the running kernel supports (seccomp_api_get(3)): 2 brings TSYNC, 3 LOG,
    /// 4 SPEC_ALLOW. WAIT_KILLABLE_RECV is left out: it only matters with a notify listener,
    /// which Berth does not support yet.
    /// </summary>
    public static IReadOnlyList<string> SupportedFlags()
    {
        if (!IsAvailable)
            return [];
        var api = Libseccomp.ApiGet();
        var flags = new List<string>();
        if (api >= 2)
            flags.Add("SECCOMP_FILTER_FLAG_TSYNC");
        if (api >= 4)
            flags.Add("SECCOMP_FILTER_FLAG_SPEC_ALLOW");
        if (api >= 3)
            flags.Add("SECCOMP_FILTER_FLAG_LOG");
        return flags;
    }

    private static RuntimeException NotFound(string libraryName) => new($"seccomp: {libraryName} not found");
}
