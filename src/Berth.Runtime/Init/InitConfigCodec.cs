using System.Text;
using Berth.Oci.Runtime;

namespace Berth.Runtime.Init;

/// <summary>
/// The MSG_CONFIG payload: the init configuration in a small binary form. Init reads it right
/// after its runtime starts, when every type System.Text.Json meets first costs time (about 3 ms
/// for the spec); a BinaryReader costs nothing to warm up. Only the parts of the spec that init
/// uses travel: resources are applied by the parent, seccomp arrives compiled.
/// Layout: version byte, then fields in the order written below; lists and optional values carry
/// a presence flag or a count.
/// </summary>
public static class InitConfigCodec
{
    private const byte Version = 1;

    public static byte[] Encode(InitConfig c)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(Version);
        w.Write(c.Id);
        w.Write(c.Bundle);
        w.Write(c.Rootfs);
        w.Write(c.Exec);
        w.Write(c.NoPivot);
        w.Write(c.NoNewKeyring);
        w.Write(c.PreserveFds);
        w.Write(c.FifoFd);
        w.Write(c.ConsoleSocketFd);
        w.Write(c.LogFd);
        w.Write(c.Debug);
        w.Write(c.InUserNamespace);
        w.Write(c.NewCgroupNamespace);
        w.Write(c.NewMountNamespace);
        WriteBytes(w, c.SeccompFilter);
        w.Write(c.SeccompFlags);
        WriteSpec(w, c.Config);
        return ms.ToArray();
    }

    public static InitConfig Decode(byte[] payload)
    {
        using var r = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        if (r.ReadByte() != Version)
            throw new RuntimeException("init: config of an unknown version (a runtime binary of another build?)");
        return new InitConfig
        {
            Id = r.ReadString(),
            Bundle = r.ReadString(),
            Rootfs = r.ReadString(),
            Exec = r.ReadBoolean(),
            NoPivot = r.ReadBoolean(),
            NoNewKeyring = r.ReadBoolean(),
            PreserveFds = r.ReadInt32(),
            FifoFd = r.ReadInt32(),
            ConsoleSocketFd = r.ReadInt32(),
            LogFd = r.ReadInt32(),
            Debug = r.ReadBoolean(),
            InUserNamespace = r.ReadBoolean(),
            NewCgroupNamespace = r.ReadBoolean(),
            NewMountNamespace = r.ReadBoolean(),
            SeccompFilter = ReadBytes(r),
            SeccompFlags = r.ReadUInt32(),
            Config = ReadSpec(r),
        };
    }

    private static void WriteSpec(BinaryWriter w, Spec s)
    {
        WriteString(w, s.OciVersion);
        WriteString(w, s.Hostname);
        WriteString(w, s.Domainname);
        WriteMap(w, s.Annotations);
        w.Write(s.Root is not null);
        if (s.Root is { } root)
        {
            w.Write(root.Path);
            w.Write(root.Readonly);
        }
        w.Write(s.Process is not null);
        if (s.Process is { } p)
            WriteProcess(w, p);
        WriteList(w, s.Mounts, (w, m) =>
        {
            w.Write(m.Destination);
            WriteString(w, m.Type);
            WriteString(w, m.Source);
            WriteStrings(w, m.Options);
        });
        w.Write(s.Hooks is not null);
        if (s.Hooks is { } h)
        {
            foreach (var list in new[] { h.Prestart, h.CreateRuntime, h.CreateContainer, h.StartContainer, h.Poststart, h.Poststop })
                WriteList(w, list, WriteHook);
        }
        w.Write(s.Linux is not null);
        if (s.Linux is { } l)
        {
            WriteList(w, l.Devices, (w, d) =>
            {
                w.Write(d.Path);
                w.Write(d.Type);
                w.Write(d.Major);
                w.Write(d.Minor);
                WriteOptional(w, d.FileMode);
                WriteOptional(w, d.Uid);
                WriteOptional(w, d.Gid);
            });
            WriteMap(w, l.Sysctl);
            WriteString(w, l.RootfsPropagation);
            WriteStrings(w, l.MaskedPaths);
            WriteStrings(w, l.ReadonlyPaths);
            WriteString(w, l.CgroupsPath);
        }
    }

    private static Spec ReadSpec(BinaryReader r)
    {
        var s = new Spec
        {
            OciVersion = ReadString(r) ?? "",
            Hostname = ReadString(r),
            Domainname = ReadString(r),
            Annotations = ReadMap(r),
        };
        if (r.ReadBoolean())
            s.Root = new Root { Path = r.ReadString(), Readonly = r.ReadBoolean() };
        if (r.ReadBoolean())
            s.Process = ReadProcess(r);
        s.Mounts = ReadList(r, r => new Mount { Destination = r.ReadString(), Type = ReadString(r), Source = ReadString(r), Options = ReadStrings(r) });
        if (r.ReadBoolean())
        {
            s.Hooks = new Oci.Runtime.Hooks
            {
                Prestart = ReadList(r, ReadHook),
                CreateRuntime = ReadList(r, ReadHook),
                CreateContainer = ReadList(r, ReadHook),
                StartContainer = ReadList(r, ReadHook),
                Poststart = ReadList(r, ReadHook),
                Poststop = ReadList(r, ReadHook),
            };
        }
        if (r.ReadBoolean())
        {
            s.Linux = new Oci.Runtime.Linux
            {
                Devices = ReadList(r, r => new LinuxDevice
                {
                    Path = r.ReadString(),
                    Type = r.ReadString(),
                    Major = r.ReadInt64(),
                    Minor = r.ReadInt64(),
                    FileMode = ReadOptional(r),
                    Uid = ReadOptional(r),
                    Gid = ReadOptional(r),
                }),
                Sysctl = ReadMap(r),
                RootfsPropagation = ReadString(r),
                MaskedPaths = ReadStrings(r),
                ReadonlyPaths = ReadStrings(r),
                CgroupsPath = ReadString(r),
            };
        }
        return s;
    }

    private static void WriteProcess(BinaryWriter w, Process p)
    {
        w.Write(p.Terminal);
        w.Write(p.ConsoleSize is not null);
        if (p.ConsoleSize is { } box)
        {
            w.Write(box.Height);
            w.Write(box.Width);
        }
        var u = p.User ?? new User();
        w.Write(u.Uid);
        w.Write(u.Gid);
        WriteOptional(w, u.Umask);
        w.Write(u.AdditionalGids is not null);
        if (u.AdditionalGids is { } gids)
        {
            w.Write(gids.Count);
            foreach (var g in gids)
                w.Write(g);
        }
        WriteString(w, u.Username);
        WriteStrings(w, p.Args);
        WriteStrings(w, p.Env);
        w.Write(p.Cwd ?? "");
        w.Write(p.Capabilities is not null);
        if (p.Capabilities is { } c)
        {
            WriteStrings(w, c.Bounding);
            WriteStrings(w, c.Effective);
            WriteStrings(w, c.Inheritable);
            WriteStrings(w, c.Permitted);
            WriteStrings(w, c.Ambient);
        }
        WriteList(w, p.Rlimits, (w, l) =>
        {
            w.Write(l.Type);
            w.Write(l.Hard);
            w.Write(l.Soft);
        });
        w.Write(p.NoNewPrivileges);
        w.Write(p.OomScoreAdj.HasValue);
        if (p.OomScoreAdj is { } oom)
            w.Write(oom);
        WriteString(w, p.ApparmorProfile);
        WriteString(w, p.SelinuxLabel);
    }

    private static Process ReadProcess(BinaryReader r)
    {
        var p = new Process { Terminal = r.ReadBoolean() };
        if (r.ReadBoolean())
            p.ConsoleSize = new Box { Height = r.ReadUInt64(), Width = r.ReadUInt64() };
        var u = new User { Uid = r.ReadUInt32(), Gid = r.ReadUInt32(), Umask = ReadOptional(r) };
        if (r.ReadBoolean())
        {
            var n = r.ReadInt32();
            u.AdditionalGids = new List<uint>(n);
            for (var i = 0; i < n; i++)
                u.AdditionalGids.Add(r.ReadUInt32());
        }
        u.Username = ReadString(r);
        p.User = u;
        p.Args = ReadStrings(r);
        p.Env = ReadStrings(r);
        p.Cwd = r.ReadString();
        if (r.ReadBoolean())
        {
            p.Capabilities = new LinuxCapabilities
            {
                Bounding = ReadStrings(r),
                Effective = ReadStrings(r),
                Inheritable = ReadStrings(r),
                Permitted = ReadStrings(r),
                Ambient = ReadStrings(r),
            };
        }
        p.Rlimits = ReadList(r, r => new PosixRlimit { Type = r.ReadString(), Hard = r.ReadUInt64(), Soft = r.ReadUInt64() });
        p.NoNewPrivileges = r.ReadBoolean();
        p.OomScoreAdj = r.ReadBoolean() ? r.ReadInt32() : null;
        p.ApparmorProfile = ReadString(r);
        p.SelinuxLabel = ReadString(r);
        return p;
    }

    private static void WriteHook(BinaryWriter w, Hook h)
    {
        w.Write(h.Path);
        WriteStrings(w, h.Args);
        WriteStrings(w, h.Env);
        w.Write(h.Timeout.HasValue);
        if (h.Timeout is { } t)
            w.Write(t);
    }

    private static Hook ReadHook(BinaryReader r) => new()
    {
        Path = r.ReadString(),
        Args = ReadStrings(r),
        Env = ReadStrings(r),
        Timeout = r.ReadBoolean() ? r.ReadInt32() : null,
    };

    private static void WriteString(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null)
            w.Write(s);
    }

    private static string? ReadString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteOptional(BinaryWriter w, uint? v)
    {
        w.Write(v.HasValue);
        if (v is { } x)
            w.Write(x);
    }

    private static uint? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadUInt32() : null;

    private static void WriteBytes(BinaryWriter w, byte[]? b)
    {
        w.Write(b?.Length ?? -1);
        if (b is not null)
            w.Write(b);
    }

    private static byte[]? ReadBytes(BinaryReader r)
    {
        var n = r.ReadInt32();
        return n < 0 ? null : r.ReadBytes(n);
    }

    private static void WriteStrings(BinaryWriter w, List<string>? list) => WriteList(w, list, (w, s) => w.Write(s));

    private static List<string>? ReadStrings(BinaryReader r) => ReadList(r, r => r.ReadString());

    private static void WriteMap(BinaryWriter w, Dictionary<string, string>? map)
    {
        w.Write(map?.Count ?? -1);
        foreach (var (k, v) in map ?? [])
        {
            w.Write(k);
            w.Write(v);
        }
    }

    private static Dictionary<string, string>? ReadMap(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0)
            return null;
        var map = new Dictionary<string, string>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
            map[r.ReadString()] = r.ReadString();
        return map;
    }

    private static void WriteList<T>(BinaryWriter w, List<T>? list, Action<BinaryWriter, T> item)
    {
        w.Write(list?.Count ?? -1);
        foreach (var x in list ?? [])
            item(w, x);
    }

    private static List<T>? ReadList<T>(BinaryReader r, Func<BinaryReader, T> item)
    {
        var n = r.ReadInt32();
        if (n < 0)
            return null;
        var list = new List<T>(n);
        for (var i = 0; i < n; i++)
            list.Add(item(r));
        return list;
    }
}
