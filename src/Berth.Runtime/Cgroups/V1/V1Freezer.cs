namespace Berth.Runtime.Cgroups.V1;

/// <summary>
/// The v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst): freezer.state goes
/// THAWED → FREEZING → FROZEN. A cgroup that keeps gaining processes (a parallel exec) can stay in
/// FREEZING; as runc does, the write is repeated, with an occasional thaw and short sleep to let
/// the newcomers settle, and a freeze that never completes is thawed back and reported.
/// </summary>
internal static class V1Freezer
{
    private const string StateFile = "freezer.state";
    private const int FreezeAttempts = 1000;

    public static void Freeze(ICgroupFileSystem fs, string directory)
    {
        var file = CgroupDirectoryPath.Join(directory, StateFile);
        for (var attempt = 0; attempt < FreezeAttempts; attempt++)
        {
            if (attempt % 50 == 49)
            {
                fs.WriteFile(file, "THAWED");
                Thread.Sleep(10);
            }

            fs.WriteFile(file, "FROZEN");
            if (attempt % 25 == 24)
                Thread.Sleep(1);

            var state = fs.ReadFile(file).Trim();
            switch (state)
            {
                case "FROZEN":
                    return;
                case "FREEZING":
                    continue;
                default:
                    throw CgroupException.Custom("freeze", file, $"cgroup: freeze {directory}: unexpected state {state} while freezing");
            }
        }

        // Left in FREEZING, some processes run and some do not: thaw back rather than leave it half done.
        fs.WriteFile(file, "THAWED");
        throw CgroupException.Custom("freeze", file, $"cgroup: freeze {directory}: still freezing after {FreezeAttempts} attempts");
    }

    public static void Thaw(ICgroupFileSystem fs, string directory)
    {
        var file = CgroupDirectoryPath.Join(directory, StateFile);
        fs.WriteFile(file, "THAWED");
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            if (fs.ReadFile(file).Trim() == "THAWED")
                return;
            Thread.Sleep(1);
        }

        throw CgroupException.Custom("thaw", file, $"cgroup: thaw {directory}: not thawed after 1000 reads");
    }

    public static FreezerState GetState(ICgroupFileSystem fs, string directory)
    {
        var file = CgroupDirectoryPath.Join(directory, StateFile);
        for (var attempt = 0; ; attempt++)
        {
            string state;
            try
            {
                state = fs.ReadFile(file).Trim();
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
            {
                return FreezerState.Undefined;
            }

            switch (state)
            {
                case "THAWED":
                    return FreezerState.Thawed;
                case "FROZEN":
                    // FROZEN is also shown when only an ancestor is frozen; freezer.self_freezing says
                    // whether this cgroup itself was asked to freeze.
                    var self = CgroupDirectoryPath.Join(directory, "freezer.self_freezing");
                    return !fs.Exists(self) || fs.ReadFile(self).Trim() == "1" ? FreezerState.Frozen : FreezerState.Thawed;
                case "FREEZING" when attempt < 1000:
                    Thread.Sleep(1);
                    continue;
                default:
                    throw CgroupException.Custom("read", file, $"cgroup: read {file}: unexpected freezer state {state}");
            }
        }
    }
}
