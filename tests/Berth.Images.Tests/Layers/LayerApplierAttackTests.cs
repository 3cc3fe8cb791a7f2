using System.Formats.Tar;
using Berth.Images.Layers;
using Berth.Linux;
using Berth.Linux.Interop;

namespace Berth.Images.Tests.Layers;

/// <summary>The attack list of security baseline section 3.2 (L1-L23), one row per test, each checking the victim.</summary>
public class LayerApplierAttackTests
{
    private static FileStatus Lstat(string path) => Sys.StatAt(AtFlags.AT_FDCWD, path, path);

    [Fact]
    public void L1_entry_climbing_out_with_dotdot_is_refused_naming_the_entry()
    {
        using var ws = new LayerWorkspace();
        var name = "../../../../" + ws.VictimInTar + "/x";

        var e = ws.Refused(new LayerTar().File(name, "pwned").ToTar());

        Assert.Equal($"layer (unnamed): entry \"{name}\": invalid entry name", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L2_absolute_entry_is_written_under_the_root()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().File(ws.Victim + "/x", "rerooted").ToTar());

        Assert.Equal("rerooted", File.ReadAllText(ws.In(ws.VictimInTar + "/x")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L3_file_through_an_absolute_symlink_to_the_victim_lands_inside_the_root()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().Dir(ws.VictimInTar).Symlink("lnk", ws.Victim).File("lnk/x", "clamped").ToTar());

        Assert.Equal("clamped", File.ReadAllText(ws.In(ws.VictimInTar + "/x")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L3_file_through_a_dangling_symlink_to_the_victim_is_refused()
    {
        using var ws = new LayerWorkspace();

        ws.Refused(new LayerTar().Symlink("lnk", ws.Victim).File("lnk/x", "pwned").ToTar());

        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L4_file_through_a_relative_symlink_climbing_out_lands_inside_the_root()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().Dir(ws.VictimInTar).Symlink("lnk", "../../../../../../" + ws.VictimInTar).File("lnk/x", "clamped").ToTar());

        Assert.Equal("clamped", File.ReadAllText(ws.In(ws.VictimInTar + "/x")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L5_symlink_from_an_earlier_layer_does_not_redirect_a_later_layer()
    {
        using var ws = new LayerWorkspace();
        ws.Apply(new LayerTar().Dir(ws.VictimInTar).Symlink("lnk", ws.Victim).ToTar());

        ws.Apply(new LayerTar().File("lnk/sentinel", "overwritten").ToTar());

        Assert.Equal("overwritten", File.ReadAllText(ws.In(ws.VictimInTar + "/sentinel")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L6_lower_directory_replaced_by_a_symlink_then_written_through_stays_inside()
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("etc"));
        Directory.CreateDirectory(ws.In(ws.VictimInTar));

        ws.Apply(new LayerTar().Symlink("etc", ws.Victim).File("etc/sentinel", "overwritten").ToTar());

        Assert.Equal(ws.Victim, new FileInfo(ws.In("etc")).LinkTarget);
        Assert.Equal("overwritten", File.ReadAllText(ws.In(ws.VictimInTar + "/sentinel")));
        ws.AssertVictimUntouched();
    }

    [Theory]
    [InlineData("../../../{0}/sentinel")]
    [InlineData("/../../{0}/sentinel")]
    public void L7_hardlink_target_climbing_out_is_refused(string pattern)
    {
        using var ws = new LayerWorkspace();
        var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, ws.VictimInTar);

        var e = ws.Refused(new LayerTar().Hardlink("hl", target).ToTar());

        Assert.EndsWith("entry \"hl\": invalid hardlink target", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L7_absolute_hardlink_target_links_to_the_copy_inside_the_root()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().File(ws.VictimInTar + "/sentinel", "inner").Hardlink("hl", ws.Sentinel).ToTar());

        Assert.Equal(Lstat(ws.In(ws.VictimInTar + "/sentinel")).Ino, Lstat(ws.In("hl")).Ino);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L7_absolute_hardlink_target_missing_inside_the_root_is_refused()
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Hardlink("hl", ws.Sentinel).ToTar());

        Assert.Contains("does not exist", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L8_hardlink_through_a_symlink_to_the_victim_resolves_inside_the_root()
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Symlink("sl", ws.Victim).Hardlink("hl", "sl/sentinel").ToTar());

        Assert.Contains("entry \"hl\"", e.Message);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L9_hardlink_to_a_symlink_links_the_symlink_and_never_chmods_its_target()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().Symlink("sl", ws.Sentinel).Hardlink("hl", "sl").ToTar());

        Assert.True(Lstat(ws.In("hl")).IsSymlink);
        Assert.Equal(Lstat(ws.In("sl")).Ino, Lstat(ws.In("hl")).Ino);
        ws.AssertVictimUntouched();
    }

    [Theory]
    [InlineData(".wh..")]
    [InlineData(".wh...")]
    [InlineData("etc/.wh..")]
    [InlineData("etc/.wh...")]
    [InlineData(".wh.")]
    public void L10_whiteout_naming_the_directory_or_its_parent_is_refused(string name)
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In("etc"));
        File.WriteAllText(ws.In("etc/passwd"), "root");

        var e = ws.Refused(new LayerTar().File(name).ToTar());

        Assert.EndsWith($"entry \"{name}\": invalid whiteout name", e.Message);
        Assert.True(File.Exists(ws.In("etc/passwd")));
        ws.AssertVictimUntouched();
    }

    [Theory]
    [InlineData(LayerApplyMode.Native)]
    [InlineData(LayerApplyMode.Overlay)]
    public void L11_whiteout_below_a_symlink_to_the_victim_removes_only_inside_the_root(LayerApplyMode mode)
    {
        using var ws = new LayerWorkspace();
        Directory.CreateDirectory(ws.In(ws.VictimInTar));
        File.WriteAllText(ws.In(ws.VictimInTar + "/sentinel"), "inner");

        ws.Apply(new LayerTar().Symlink("lnk", ws.Victim).File("lnk/.wh.sentinel").ToTar(), mode);

        Assert.Equal(mode == LayerApplyMode.Overlay, Sys.TryLstat(ws.In(ws.VictimInTar + "/sentinel"), out var st) && st.Mode == StatMode.S_IFCHR);
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L13_setuid_root_file_and_devices_are_stored_as_is()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar().File("su", "x", (UnixFileMode)0x9ED).Device("kmem", TarEntryType.CharacterDevice, 1, 2).ToTar());

        Assert.Equal(0x9EDu, Lstat(ws.In("su")).Permissions);
        Assert.Equal((1u, 2u), (Lstat(ws.In("kmem")).RdevMajor, Lstat(ws.In("kmem")).RdevMinor));
    }

    [Theory]
    [InlineData(4096, 0)]
    [InlineData(1, 1 << 20)]
    public void L14_device_number_beyond_what_linux_can_hold_is_refused(int major, int minor)
    {
        using var ws = new LayerWorkspace();

        var e = ws.Refused(new LayerTar().Device("null", TarEntryType.CharacterDevice, major, minor).ToTar());

        Assert.EndsWith("entry \"null\": device number out of range", e.Message);
        Assert.False(File.Exists(ws.In("null")));
    }

    [Fact]
    public void L14_device_number_above_32_bits_in_a_base256_header_is_refused()
    {
        using var ws = new LayerWorkspace();
        var tar = new LayerTar().Device("null", TarEntryType.CharacterDevice, 1, 3).ToTar();
        var header = HeaderOffset(tar, "null");
        // devmajor is the 8-byte field at 329; 0x80 marks base-256 (GNU), value 2^32+1.
        byte[] big = [0x80, 0, 0, 0x01, 0, 0, 0, 0x01];
        big.CopyTo(tar, header + 329);
        RawTar.FixChecksum(tar, header);

        Assert.Throws<LayerException>(() => ws.Apply(tar));
        Assert.False(File.Exists(ws.In("null")));
    }

    [Fact]
    public void L15_L16_trusted_and_selinux_xattrs_from_the_tar_are_never_applied()
    {
        using var ws = new LayerWorkspace();

        var result = ws.Apply(new LayerTar().Dir("d").Add(new PaxTarEntry(TarEntryType.Directory, "e", new Dictionary<string, string>
        {
            ["SCHILY.xattr.trusted.overlay.opaque"] = "y",
            ["SCHILY.xattr.security.selinux"] = "system_u:object_r:etc_t:s0",
        })).ToTar(), LayerApplyMode.Overlay);

        using var fd = Sys.Open(ws.In("e"), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.Null(Sys.FgetXattr(fd.Value, "trusted.overlay.opaque", "e"));
        Assert.Null(Sys.FgetXattr(fd.Value, "security.selinux", "e"));
        Assert.Contains(result.Warnings, w => w.Contains("trusted.overlay.opaque", StringComparison.Ordinal));
    }

    [Fact]
    public void L17_later_duplicate_replaces_the_earlier_entry_whatever_the_types()
    {
        using var ws = new LayerWorkspace();

        ws.Apply(new LayerTar()
            .File("a", "first").File("a", "second")
            .Dir("b").File("b/child", "x").File("b", "file now")
            .File("c", "file").Dir("c").File("c/inner", "y").ToTar());

        Assert.Equal("second", File.ReadAllText(ws.In("a")));
        Assert.Equal("file now", File.ReadAllText(ws.In("b")));
        Assert.Equal("y", File.ReadAllText(ws.In("c/inner")));
    }

    /// <summary>CVE-2021-32760 class: a chmod or chown must never reach a host file through a planted symlink (IMG-CP-2).</summary>
    [Fact]
    public void Directory_entry_over_a_symlink_to_the_victim_never_chmods_or_chowns_the_victim()
    {
        using var ws = new LayerWorkspace();
        var before = Lstat(ws.Victim);
        File.CreateSymbolicLink(ws.In("lnk"), ws.Victim);

        ws.Apply(new LayerTar().Dir("lnk", (UnixFileMode)0x1FF, uid: 4242).ToTar());

        Assert.True(Lstat(ws.In("lnk")).IsDirectory);
        Assert.Equal((before.Permissions, before.Uid), (Lstat(ws.Victim).Permissions, Lstat(ws.Victim).Uid));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void File_entry_over_a_symlink_to_the_sentinel_replaces_the_link_not_the_sentinel()
    {
        using var ws = new LayerWorkspace();
        File.CreateSymbolicLink(ws.In("passwd"), ws.Sentinel);

        ws.Apply(new LayerTar().File("passwd", "replaced", (UnixFileMode)0x1FF, uid: 4242).ToTar());

        Assert.True(Lstat(ws.In("passwd")).IsRegular);
        Assert.Equal("replaced", File.ReadAllText(ws.In("passwd")));
        ws.AssertVictimUntouched();
    }

    [Fact]
    public void L19_component_longer_than_255_bytes_is_refused_naming_the_entry()
    {
        using var ws = new LayerWorkspace();
        var name = new string('n', 256);

        var e = ws.Refused(new LayerTar().File(name).ToTar());

        Assert.EndsWith($"entry \"{name}\": file name too long", e.Message);
    }

    [Fact]
    public void L19_path_longer_than_path_max_is_refused()
    {
        using var ws = new LayerWorkspace();
        var name = string.Join('/', Enumerable.Repeat(new string('d', 200), 21));

        var e = ws.Refused(new LayerTar().File(name).ToTar());

        Assert.EndsWith("file name too long", e.Message);
    }

    [Fact]
    public void L22_pax_uid_above_32_bits_is_refused_not_wrapped_to_root()
    {
        using var ws = new LayerWorkspace();

        ws.Refused(RawTar.PaxFile("f", ("uid", "4294967296")));

        Assert.False(File.Exists(ws.In("f")));
    }

    [Fact]
    public void L22_negative_gid_is_refused()
    {
        using var ws = new LayerWorkspace();

        ws.Refused(RawTar.PaxFile("f", ("gid", "-1")));

        Assert.False(File.Exists(ws.In("f")));
    }

    [Theory]
    [InlineData('V')]
    [InlineData('S')]
    [InlineData('Z')]
    public void L23_unknown_or_sparse_entry_type_is_refused(char type)
    {
        using var ws = new LayerWorkspace();

        ws.Refused([.. RawTar.Header("odd", type), .. new byte[1024]]);

        Assert.False(Sys.TryLstat(ws.In("odd"), out _));
    }

    private static int HeaderOffset(byte[] tar, string name)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        for (var off = 0; off + 512 <= tar.Length; off += 512)
        {
            if (tar.AsSpan(off, needle.Length).SequenceEqual(needle) && tar[off + 156] != (byte)'x')
                return off;
        }
        throw new InvalidOperationException("header not found");
    }
}
