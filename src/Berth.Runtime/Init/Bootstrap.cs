using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Init;

/// <summary>The namespace plan the C constructor reads first (the BOOT_* records of the init pipe).</summary>
public sealed class Bootstrap
{
    public uint CloneFlags { get; private set; }

    public List<(uint Flag, string Path)> Joins { get; } = [];

    public string? UidMap { get; private set; }

    public string? GidMap { get; private set; }

    public string? TimeOffsets { get; private set; }

    /// <summary>cgroup v1 "tasks" files stage-1 joins itself (see berthnative.h).</summary>
    public List<string> CgroupTasks { get; } = [];

    public bool NewUserNamespace => (CloneFlags & Linux.Interop.CloneFlags.CLONE_NEWUSER) != 0;

    public bool JoinsUserNamespace => Joins.Any(j => j.Flag == Linux.Interop.CloneFlags.CLONE_NEWUSER);

    public bool NewMountNamespace => (CloneFlags & Linux.Interop.CloneFlags.CLONE_NEWNS) != 0;

    public static Bootstrap FromSpec(Spec spec)
    {
        var b = new Bootstrap();
        var linux = spec.Linux;
        for (var i = 0; i < (linux?.Namespaces?.Count ?? 0); i++)
        {
            var ns = linux!.Namespaces![i];
            if (!NamespaceTypes.CloneFlags.TryGetValue(ns.Type, out var flag))
                throw new RuntimeException($"config.json: linux.namespaces[{i}].type: unknown namespace type \"{ns.Type}\"");
            if (string.IsNullOrEmpty(ns.Path))
                b.CloneFlags |= (uint)flag;
            else
                b.Joins.Add(((uint)flag, ns.Path));
        }
        if (b.NewUserNamespace)
        {
            b.UidMap = FormatMap(linux?.UidMappings);
            b.GidMap = FormatMap(linux?.GidMappings);
        }
        if (linux?.TimeOffsets is { Count: > 0 } offsets)
        {
            var sb = new StringBuilder();
            foreach (var (clock, off) in offsets)
                sb.Append(CultureInfo.InvariantCulture, $"{clock} {off.Secs} {off.Nanosecs}\n");
            b.TimeOffsets = sb.ToString();
        }
        return b;
    }

    /// <summary>
    /// Plans the cgroup placement of stage-1: the slow part would be the parent's cgroup.procs
    /// write (an RCU grace period on v1), so stage-1 joins each v1 hierarchy itself through
    /// "tasks"; the cgroup2 directory (key "") is left to clone3's CLONE_INTO_CGROUP, see
    /// <see cref="Launch.FinishCgroupPlacement"/>.
    /// </summary>
    public void JoinCgroups(IReadOnlyDictionary<string, string> paths)
    {
        foreach (var (controller, path) in paths)
        {
            var tasks = Path.Combine(path, "tasks");
            if (controller.Length > 0 && !CgroupTasks.Contains(tasks))
                CgroupTasks.Add(tasks);
        }
    }

    public void WriteTo(InitPipe pipe, bool debug)
    {
        pipe.SendU32(InitPipe.BootVersion, InitPipe.ProtocolVersion);
        pipe.SendU32(InitPipe.BootCloneFlags, CloneFlags);
        foreach (var (flag, path) in Joins)
        {
            var bytes = new byte[4 + Encoding.UTF8.GetByteCount(path)];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, flag);
            Encoding.UTF8.GetBytes(path, bytes.AsSpan(4));
            pipe.Send(InitPipe.BootNsPath, bytes);
        }
        if (UidMap is not null)
            pipe.SendText(InitPipe.BootUidMap, UidMap);
        if (GidMap is not null)
            pipe.SendText(InitPipe.BootGidMap, GidMap);
        if (TimeOffsets is not null)
            pipe.SendText(InitPipe.BootTimeOffsets, TimeOffsets);
        pipe.SendU32(InitPipe.BootDebug, debug ? 1u : 0u);
        foreach (var tasks in CgroupTasks)
            pipe.SendText(InitPipe.BootCgroupTasks, tasks);
        pipe.Send(InitPipe.BootEnd);
    }

    private static string? FormatMap(List<LinuxIdMapping>? mappings)
    {
        if (mappings is null || mappings.Count == 0)
            return null;
        var sb = new StringBuilder();
        foreach (var m in mappings)
            sb.Append(CultureInfo.InvariantCulture, $"{m.ContainerId} {m.HostId} {m.Size}\n");
        return sb.ToString();
    }
}
