using System.Globalization;

namespace Berth.Runtime.Cgroups;

/// <summary>The directory-level operations both managers share: create, join, list, remove.</summary>
internal static class CgroupTree
{
    public const string ProcsFile = "cgroup.procs";

    /// <summary>Creates <paramref name="directory"/> and any missing parent, top-down (mkdir -p).</summary>
    public static void CreateDirectories(ICgroupFileSystem fs, string directory)
    {
        var missing = new Stack<string>();
        for (var level = directory; level is not null && !fs.Exists(level); level = CgroupDirectoryPath.Parent(level))
            missing.Push(level);

        while (missing.TryPop(out var level))
            fs.CreateDirectory(level);
    }

    /// <summary>Moves process <paramref name="pid"/> (all its threads) into the cgroup at <paramref name="directory"/>.</summary>
    public static void AddProcess(ICgroupFileSystem fs, string directory, int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);

        var procs = CgroupDirectoryPath.Join(directory, ProcsFile);
        var value = pid.ToString(CultureInfo.InvariantCulture);

        // A process still being forked (TASK_NEW) is refused with EINVAL for a moment; runc
        // (libcontainer/cgroups WriteCgroupProc) retries 5 times, 30 ms apart, and so do we.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                fs.WriteFile(procs, value);
                return;
            }
            catch (CgroupException e) when (e.Errno == CgroupErrno.EINVAL && attempt < attempts)
            {
                Thread.Sleep(30);
            }
        }
    }

    /// <summary>The pids in cgroup.procs of <paramref name="directory"/> and of every cgroup beneath it.</summary>
    public static IReadOnlyList<int> GetPids(ICgroupFileSystem fs, string directory)
    {
        var pids = new SortedSet<int>();
        Collect(fs, directory, pids, isTop: true);
        return [.. pids];
    }

    private static void Collect(ICgroupFileSystem fs, string directory, SortedSet<int> pids, bool isTop)
    {
        string text;
        IReadOnlyList<string> children;
        try
        {
            text = fs.ReadFile(CgroupDirectoryPath.Join(directory, ProcsFile));
            children = fs.GetSubdirectories(directory);
        }
        catch (CgroupException e) when (!isTop && e.Errno == CgroupErrno.ENOENT)
        {
            // A child cgroup removed while we walk has no processes left to report.
            return;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                pids.Add(pid);
        }

        foreach (var child in children)
            Collect(fs, child, pids, isTop: false);
    }

    /// <summary>
    /// Removes each cgroup directory and every cgroup beneath it, deepest first. Missing directories are
    /// fine. A cgroup whose last processes are still exiting refuses rmdir with EBUSY for a short while,
    /// so, as runc's RemovePaths does, the removal is retried 5 times with a doubling delay from 10 ms
    /// (150 ms in all) before the EBUSY is reported. Other errors are reported at once, after every
    /// directory has been tried.
    /// </summary>
    public static void Remove(ICgroupFileSystem fs, IEnumerable<string> directories)
    {
        const int attempts = 5;
        var remaining = directories.Distinct(StringComparer.Ordinal).ToList();
        var delay = TimeSpan.FromMilliseconds(10);
        for (var attempt = 1; ; attempt++)
        {
            CgroupException? busy = null;
            CgroupException? failed = null;
            var stillBusy = new List<string>();
            foreach (var directory in remaining)
            {
                try
                {
                    RemoveTree(fs, directory);
                }
                catch (CgroupException e) when (e.Errno == CgroupErrno.EBUSY)
                {
                    busy ??= e;
                    stillBusy.Add(directory);
                }
                catch (CgroupException e)
                {
                    failed ??= e;
                }
            }

            if (failed is not null)
                throw failed;
            if (busy is null)
                return;
            if (attempt == attempts)
                throw busy;

            remaining = stillBusy;
            Thread.Sleep(delay);
            delay *= 2;
        }
    }

    private static void RemoveTree(ICgroupFileSystem fs, string directory)
    {
        try
        {
            fs.RemoveDirectory(directory);
            return;
        }
        catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
        {
            return;
        }
        catch (CgroupException e) when (e.Errno is CgroupErrno.EBUSY or CgroupErrno.ENOTEMPTY)
        {
            // Busy because of child cgroups, perhaps: remove those first. Without children it is busy
            // with processes, which only the caller's retry can wait out.
            IReadOnlyList<string> children;
            try
            {
                children = fs.GetSubdirectories(directory);
            }
            catch (CgroupException gone) when (gone.Errno == CgroupErrno.ENOENT)
            {
                return;
            }

            if (children.Count == 0)
                throw;

            foreach (var child in children)
                RemoveTree(fs, child);
        }

        try
        {
            fs.RemoveDirectory(directory);
        }
        catch (CgroupException e) when (e.Errno == CgroupErrno.ENOENT)
        {
        }
    }
}
