namespace Berth.Runtime.Cgroups.V2;

/// <summary>
/// The v2 freezer (Linux 5.2, cgroup-v2.rst "Core Interface Files"): cgroup.freeze asks, and the
/// "frozen" key of cgroup.events reports when every process has actually stopped.
/// </summary>
internal static class V2Freezer
{
    public static void Set(ICgroupFileSystem fs, string directory, bool frozen, TimeSpan timeout)
    {
        var freeze = CgroupDirectoryPath.Join(directory, "cgroup.freeze");
        try
        {
            fs.WriteFile(freeze, frozen ? "1" : "0");
        }
        catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT && fs.Exists(directory))
        {
            throw CgroupException.Custom(frozen ? "freeze" : "thaw", freeze, $"cgroup: {(frozen ? "freeze" : "thaw")} {directory}: this kernel has no cgroup v2 freezer (cgroup.freeze needs Linux 5.2)", e);
        }

        var events = CgroupDirectoryPath.Join(directory, "cgroup.events");
        var deadline = DateTime.UtcNow + timeout;
        for (var delay = 1; ; delay = Math.Min(delay * 2, 50))
        {
            if (IsFrozen(fs.ReadFile(events)) == frozen)
                return;
            if (DateTime.UtcNow >= deadline)
                break;
            Thread.Sleep(delay);
        }

        if (frozen)
        {
            // Do not leave the cgroup half frozen.
            fs.WriteFile(freeze, "0");
        }

        var verb = frozen ? "freeze" : "thaw";
        throw CgroupException.Custom(verb, events, $"cgroup: {verb} {directory}: cgroup.events did not report \"frozen {(frozen ? 1 : 0)}\" within {timeout.TotalSeconds:0.###}s");
    }

    public static FreezerState GetState(ICgroupFileSystem fs, string directory)
    {
        string value;
        try
        {
            value = fs.ReadFile(CgroupDirectoryPath.Join(directory, "cgroup.freeze")).Trim();
        }
        catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
        {
            return FreezerState.Undefined;
        }

        return value == "1" ? FreezerState.Frozen : FreezerState.Thawed;
    }

    private static bool IsFrozen(string events) =>
        CgroupValues.ParseFlatKeyed(events).GetValueOrDefault("frozen") == 1;
}
