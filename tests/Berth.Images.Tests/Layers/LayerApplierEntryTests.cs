using System.Formats.Tar;
using System.Text;
using Berth.Images.Layers;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

public class LayerApplierEntryTests
{
    private static FileStatus Lstat(string path) => Sys.StatAt(AtFlags.AT_FDCWD, path, path);

    [Fact]
    public void Regular_file_gets_its_content_mode_owner_and_mtime()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("etc/").File("etc/motd", "hello", (UnixFileMode)0x1A0, uid: 1234, gid: 5678).ToTar());

        var st = Lstat(ws.In("etc/motd"));
        Assert.Equal("hello", File.ReadAllText(ws.In("etc/motd")));
        Assert.Equal(0x1A0u, st.Permissions);
        Assert.Equal((1234u, 5678u), (st.Uid, st.Gid));
        Assert.Equal(LayerTar.Epoch2020, st.ModificationTime);
    }

    [Fact]
    public void Setuid_setgid_and_sticky_bits_survive_the_chown()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().File("suid", "x", (UnixFileMode)0xDED, uid: 0).Dir("tmp", (UnixFileMode)0x3FF).ToTar());

        Assert.Equal(0xDEDu, Lstat(ws.In("suid")).Permissions);
        Assert.Equal(0x3FFu, Lstat(ws.In("tmp")).Permissions);
    }

    [Fact]
    public void Directory_mtime_is_restored_after_its_children_are_written()
    {
        using var ws = new LayerWorkspace();
        var t = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        ws.Apply(new LayerTar().Dir("a", mtime: t).Dir("a/b", mtime: t).File("a/b/c", "x").File("a/d", "y").ToTar());

        Assert.Equal(t, Lstat(ws.In("a")).ModificationTime);
        Assert.Equal(t, Lstat(ws.In("a/b")).ModificationTime);
    }

    [Fact]
    public void Existing_directory_is_kept_and_its_mode_updated()
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("a"));
        File.WriteAllText(ws.In("a/old"), "lower");
        ws.Apply(new LayerTar().Dir("a", (UnixFileMode)0x1C0, uid: 7).ToTar());

        Assert.Equal("lower", File.ReadAllText(ws.In("a/old")));
        Assert.Equal((0x1C0u, 7u), (Lstat(ws.In("a")).Permissions, Lstat(ws.In("a")).Uid));
    }

    [Fact]
    public void Symlink_target_is_stored_verbatim()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Symlink("abs", "/etc/passwd").Symlink("rel", "../../../breakout").ToTar());

        Assert.Equal("/etc/passwd", new FileInfo(ws.In("abs")).LinkTarget);
        Assert.Equal("../../../breakout", new FileInfo(ws.In("rel")).LinkTarget);
    }

    [Fact]
    public void Hardlink_shares_the_inode_of_an_earlier_entry()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().File("a", "data").Hardlink("b", "a").ToTar());

        Assert.Equal(Lstat(ws.In("a")).Ino, Lstat(ws.In("b")).Ino);
        Assert.Equal(2u, Lstat(ws.In("a")).Nlink);
    }

    [Fact]
    public void Device_nodes_and_fifos_are_created_with_their_numbers()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar()
            .Device("null", TarEntryType.CharacterDevice, 1, 3)
            .Device("sda", TarEntryType.BlockDevice, 8, 0)
            .Fifo("pipe").ToTar());

        var c = Lstat(ws.In("null"));
        Assert.Equal((StatMode.S_IFCHR, 1u, 3u, 0x1B0u), (c.Type, c.RdevMajor, c.RdevMinor, c.Permissions));
        var b = Lstat(ws.In("sda"));
        Assert.Equal((StatMode.S_IFBLK, 8u, 0u), (b.Type, b.RdevMajor, b.RdevMinor));
        Assert.Equal(StatMode.S_IFIFO, Lstat(ws.In("pipe")).Type);
    }

    [Fact]
    public void Long_names_from_pax_and_gnu_headers_are_extracted()
    {
        using var ws = new LayerWorkspace();
        var deep = string.Join('/', Enumerable.Repeat("directory-name-of-some-length", 8));
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Gnu, leaveOpen: true))
            w.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, deep + "/gnu-file") { DataStream = new MemoryStream("g"u8.ToArray()) });
        var pax = new LayerTar().File(deep + "/pax-file", "p").ToTar();

        ws.Apply([.. ms.ToArray()[..^1024], .. pax]);

        Assert.Equal("g", File.ReadAllText(ws.In(deep + "/gnu-file")));
        Assert.Equal("p", File.ReadAllText(ws.In(deep + "/pax-file")));
    }

    [Fact]
    public void User_xattrs_and_file_capabilities_are_applied()
    {
        using var ws = new LayerWorkspace();
        // cap_net_raw+ep, VFS_CAP_REVISION_2: every byte is valid UTF-8, as SCHILY records need here.
        var cap = new byte[] { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        ws.Apply(new LayerTar().File("ping", "elf", pax: new Dictionary<string, string>
        {
            ["SCHILY.xattr.user.comment"] = "hi",
            ["SCHILY.xattr.security.capability"] = Encoding.UTF8.GetString(cap),
        }).ToTar());

        using var fd = Sys.Open(ws.In("ping"), OpenFlags.O_RDONLY);
        Assert.Equal("hi"u8.ToArray(), Sys.FgetXattr(fd.Value, "user.comment", "ping"));
        Assert.Equal(cap, Sys.FgetXattr(fd.Value, "security.capability", "ping"));
    }

    [Fact]
    public void Binary_file_capability_in_a_raw_pax_record_is_applied_byte_for_byte()
    {
        using var ws = new LayerWorkspace();
        // cap_setuid,cap_ipc_owner+ep (bits 7 and 15): bytes 0x80 that are not valid UTF-8.
        var cap = new byte[] { 0x01, 0x00, 0x00, 0x02, 0x80, 0x80, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        ws.Apply(RawTar.PaxFile("tool", ("SCHILY.xattr.security.capability", cap), ("SCHILY.xattr.user.note", "n"u8.ToArray())));

        using var fd = Sys.Open(ws.In("tool"), OpenFlags.O_RDONLY);
        Assert.Equal(cap, Sys.FgetXattr(fd.Value, "security.capability", "tool"));
        Assert.Equal("n"u8.ToArray(), Sys.FgetXattr(fd.Value, "user.note", "tool"));
    }

    [Fact]
    public void Binary_xattr_in_libarchive_form_is_applied_exactly()
    {
        using var ws = new LayerWorkspace();
        var value = new byte[] { 0xff, 0x00, 0x80, 0x7f };
        ws.Apply(new LayerTar().File("f", pax: new Dictionary<string, string>
        {
            ["LIBARCHIVE.xattr.user.bin"] = Convert.ToBase64String(value),
        }).ToTar());

        using var fd = Sys.Open(ws.In("f"), OpenFlags.O_RDONLY);
        Assert.Equal(value, Sys.FgetXattr(fd.Value, "user.bin", "f"));
    }

    [Fact]
    public void Root_directory_entry_sets_the_root_metadata()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir("./", (UnixFileMode)0x1ED, uid: 3).File("f", "x").ToTar());

        Assert.Equal(3u, Lstat(ws.Root).Uid);
        Assert.Equal("x", File.ReadAllText(ws.In("f")));
    }

    [Fact]
    public void Result_reports_the_diff_id_and_size_of_the_tar()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().File("a", "x").ToTar();

        var result = ws.Apply(tar);

        Assert.Equal(Berth.Images.Content.Digest.Compute(tar), result.DiffId);
        Assert.Equal(tar.Length, result.UncompressedSize);
        Assert.Equal(1, result.Entries);
    }
}
