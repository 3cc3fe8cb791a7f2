using Berth.Oci.Runtime;
using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly TempDir _tmp = new();

    private StateStore Store => new(_tmp["root"]);

    public void Dispose() => _tmp.Dispose();

    private static ContainerState SampleState(string id) => new()
    {
        Id = id,
        InitPid = 4242,
        InitStartTime = 123456789,
        Bundle = "/bundles/" + id,
        Rootfs = "/bundles/" + id + "/rootfs",
        Created = new DateTime(2024, 5, 1, 12, 30, 0, DateTimeKind.Utc),
        Owner = "root",
        CgroupPaths = new() { ["memory"] = "/sys/fs/cgroup/memory/" + id },
        NamespacePaths = new() { ["NEWNET"] = "/proc/4242/ns/net" },
        Config = new Spec { OciVersion = "1.2.0", Hostname = id },
    };

    [Fact]
    public void Root_is_kept_as_an_absolute_path()
    {
        var store = new StateStore("relative/root");

        Assert.Equal(Path.GetFullPath("relative/root"), store.Root);
    }

    [Fact]
    public void Container_dir_is_the_id_under_the_root()
    {
        Assert.Equal(Path.Combine(_tmp["root"], "c1"), Store.ContainerDir("c1"));
    }

    [Fact]
    public void Container_dir_of_an_invalid_id_is_refused()
    {
        Assert.Throws<RuntimeException>(() => Store.ContainerDir("../escape"));
    }

    [Fact]
    public void Claim_creates_a_missing_root_that_only_its_owner_can_enter()
    {
        Store.Claim("c1");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_tmp["root"]));
    }

    [Fact]
    public void Claim_creates_the_container_folder_with_mode_0711()
    {
        var dir = Store.Claim("c1");

        Assert.Equal(Path.Combine(_tmp["root"], "c1"), dir);
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(dir));
    }

    [Fact]
    public void Claiming_a_claimed_id_again_is_refused_as_runc_words_it()
    {
        Store.Claim("c1");

        var e = Assert.Throws<RuntimeException>(() => Store.Claim("c1"));

        Assert.Equal("container with id exists: c1", e.Message);
    }

    [Fact]
    public void Exists_is_false_for_a_claimed_id_until_its_state_is_saved()
    {
        var store = Store;
        store.Claim("c1");
        Assert.False(store.Exists("c1"));

        store.Save(SampleState("c1"));

        Assert.True(store.Exists("c1"));
    }

    [Fact]
    public void Saved_state_loads_back_field_for_field()
    {
        var store = Store;
        store.Claim("c1");
        var saved = SampleState("c1");

        store.Save(saved);
        var loaded = store.Load("c1");

        Assert.Equal(saved.Id, loaded.Id);
        Assert.Equal(saved.InitPid, loaded.InitPid);
        Assert.Equal(saved.InitStartTime, loaded.InitStartTime);
        Assert.Equal(saved.Bundle, loaded.Bundle);
        Assert.Equal(saved.Rootfs, loaded.Rootfs);
        Assert.Equal(saved.Created, loaded.Created);
        Assert.Equal(saved.Owner, loaded.Owner);
        Assert.Equal(saved.CgroupPaths, loaded.CgroupPaths);
        Assert.Equal(saved.NamespacePaths, loaded.NamespacePaths);
        Assert.Equal("c1", loaded.Config.Hostname);
    }

    [Fact]
    public void State_file_is_readable_by_its_owner_only()
    {
        var store = Store;
        var dir = store.Claim("c1");

        store.Save(SampleState("c1"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, StateStore.StateFile)));
    }

    [Fact]
    public void Saving_again_replaces_the_state()
    {
        var store = Store;
        store.Claim("c1");
        store.Save(SampleState("c1"));
        var changed = SampleState("c1");
        changed.InitPid = 7;

        store.Save(changed);

        Assert.Equal(7, store.Load("c1").InitPid);
    }

    [Fact]
    public void Load_of_an_unknown_id_reports_that_the_container_does_not_exist()
    {
        var e = Assert.Throws<ContainerNotFoundException>(() => Store.Load("nope"));

        Assert.Equal("container nope does not exist", e.Message);
    }

    [Fact]
    public void Load_of_a_claimed_id_without_state_reports_that_the_container_does_not_exist()
    {
        var store = Store;
        store.Claim("c1");

        Assert.Throws<ContainerNotFoundException>(() => store.Load("c1"));
    }

    [Fact]
    public void Load_of_corrupt_state_names_the_file()
    {
        var store = Store;
        var dir = store.Claim("c1");
        var file = Path.Combine(dir, StateStore.StateFile);
        File.WriteAllText(file, "{\"id\": ");

        var e = Assert.Throws<RuntimeException>(() => store.Load("c1"));

        Assert.StartsWith($"{file}: corrupt state", e.Message);
    }

    [Fact]
    public void Config_is_stored_as_the_bytes_it_was_read_from()
    {
        var store = Store;
        store.Claim("c1");
        var configJson = "{\"ociVersion\": \"1.2.0\", \"hostname\": \"from-bytes\", \"future\": [1, 2]}"u8.ToArray();
        var state = SampleState("c1");
        state.Config = Oci.Runtime.Json.SpecReader.Read(configJson, "config.json");
        state.ConfigJson = configJson;

        store.Save(state);
        var loaded = store.Load("c1");

        Assert.Contains("\"future\": [1, 2]", File.ReadAllText(Path.Combine(store.ContainerDir("c1"), StateStore.StateFile)));
        Assert.Equal("from-bytes", loaded.Config.Hostname);
        Assert.Equal(configJson, loaded.ConfigJson.ToArray());
    }

    [Fact]
    public void Changed_config_is_written_from_the_model()
    {
        var store = Store;
        store.Claim("c1");
        var state = SampleState("c1");
        state.ConfigJson = "{\"ociVersion\": \"1.2.0\", \"hostname\": \"old\"}"u8.ToArray();
        state.SetConfig(new Spec { OciVersion = "1.2.0", Hostname = "new" });

        store.Save(state);

        Assert.Equal("new", store.Load("c1").Config.Hostname);
    }

    [Fact]
    public void Config_of_the_wrong_type_in_a_state_file_is_refused_with_its_path()
    {
        var store = Store;
        var dir = store.Claim("c1");
        var file = Path.Combine(dir, StateStore.StateFile);
        File.WriteAllText(file, "{\"id\": \"c1\", \"config\": {\"ociVersion\": 1}}");

        var e = Assert.Throws<RuntimeException>(() => store.Load("c1"));

        Assert.Equal($"{file}: corrupt state: ociVersion: expected string, got number 1", e.Message);
    }

    [Fact]
    public void Load_of_a_json_null_state_is_refused_as_empty()
    {
        var store = Store;
        var dir = store.Claim("c1");
        var file = Path.Combine(dir, StateStore.StateFile);
        File.WriteAllText(file, "null");

        var e = Assert.Throws<RuntimeException>(() => store.Load("c1"));

        Assert.Equal($"{file}: empty state", e.Message);
    }

    [Fact]
    public void List_of_a_missing_root_is_empty()
    {
        Assert.Empty(Store.ListIds());
    }

    [Fact]
    public void List_holds_the_containers_with_state_in_ordinal_order()
    {
        var store = Store;
        foreach (var id in new[] { "b", "a", "C", "pending" })
            store.Claim(id);
        foreach (var id in new[] { "b", "a", "C" })
            store.Save(SampleState(id));

        Assert.Equal(["C", "a", "b"], store.ListIds());
    }

    [Fact]
    public void Remove_deletes_the_container_folder_and_everything_in_it()
    {
        var store = Store;
        var dir = store.Claim("c1");
        store.Save(SampleState("c1"));
        File.WriteAllText(Path.Combine(dir, StateStore.ExecFifo), "");

        store.Remove("c1");

        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Remove_of_an_unknown_id_does_nothing()
    {
        Store.Remove("nope");
    }

    [Fact]
    public void Removed_id_can_be_claimed_again()
    {
        var store = Store;
        store.Claim("c1");
        store.Remove("c1");

        store.Claim("c1");

        Assert.True(Directory.Exists(store.ContainerDir("c1")));
    }
}
