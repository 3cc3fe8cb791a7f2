namespace Berth.Runtime.Cgroups;

/// <summary>
/// The file operations the cgroup managers perform, behind an interface so that tests can run the
/// managers against a fake cgroupfs (or record the order of the writes). Every failure is a
/// <see cref="CgroupException"/> carrying the errno, which the managers act on (ENOENT, EBUSY, EINVAL).
/// </summary>
public interface ICgroupFileSystem
{
    /// <summary>Whether a file or directory exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>mkdir(2) one directory whose parent exists; an existing directory is not an error.</summary>
    void CreateDirectory(string path);

    /// <summary>rmdir(2): on cgroupfs this removes a cgroup, or fails with EBUSY while it has processes or children.</summary>
    void RemoveDirectory(string path);

    /// <summary>The full paths of the directories directly inside <paramref name="path"/> (the child cgroups).</summary>
    IReadOnlyList<string> GetSubdirectories(string path);

    /// <summary>The whole content of a control file.</summary>
    string ReadFile(string path);

    /// <summary>One write(2) of <paramref name="value"/> to an existing control file, without creating or truncating it.</summary>
    void WriteFile(string path, string value);
}
