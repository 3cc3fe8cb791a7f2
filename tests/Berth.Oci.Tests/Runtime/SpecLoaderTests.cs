using System.Text;
using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public sealed class SpecLoaderTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("berth-oci-").FullName;

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Fact]
    public void Load_reads_config_json_from_the_bundle_directory()
    {
        File.WriteAllText(Path.Combine(_bundle, "config.json"), RuncSamples.Spec);

        var spec = SpecLoader.Load(_bundle);

        Assert.Equal("runc", spec.Hostname);
    }

    [Fact]
    public void Missing_config_json_is_reported_with_its_path()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.Load(_bundle));

        Assert.Equal($"config.json: open {_bundle}/config.json: no such file or directory", ex.Message);
    }

    [Fact]
    public void Missing_bundle_directory_is_reported_as_no_such_file()
    {
        var bundle = Path.Combine(_bundle, "absent");

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Load(bundle));

        Assert.Equal($"config.json: open {bundle}/config.json: no such file or directory", ex.Message);
    }

    [Fact]
    public void Config_json_that_is_a_directory_is_reported_as_such()
    {
        Directory.CreateDirectory(Path.Combine(_bundle, "config.json"));

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Load(_bundle));

        Assert.Equal($"config.json: open {_bundle}/config.json: is a directory", ex.Message);
    }

    [Fact]
    public void Load_validates_what_it_reads()
    {
        File.WriteAllText(Path.Combine(_bundle, "config.json"), Specs.WithProcess("""{"args": [], "cwd": "/"}"""));

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Load(_bundle));

        Assert.Equal("config.json: process.args: must not be empty", ex.Message);
    }

    [Fact]
    public void Malformed_json_is_reported_with_line_and_column()
    {
        var message = Specs.ParseError("{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": }\n}");

        Assert.Equal("config.json: invalid JSON at line 3, column 11: unexpected character '}'", message);
    }

    [Fact]
    public void Truncated_json_is_reported_as_invalid()
    {
        var message = Specs.ParseError("{\"ociVersion\": \"1.2.0\", \"root\": {");

        Assert.Equal("config.json: invalid JSON at line 1, column 34: unexpected end of input", message);
    }

    [Fact]
    public void Empty_file_is_reported_as_invalid_json()
    {
        var message = Specs.ParseError("");

        Assert.Equal("config.json: invalid JSON at line 1, column 1: empty document", message);
    }

    [Fact]
    public void Trailing_commas_are_refused_as_go_refuses_them()
    {
        var message = Specs.ParseError("{\"ociVersion\": \"1.2.0\",}");

        Assert.Equal("config.json: invalid JSON at line 1, column 24: unexpected character '}'", message);
    }

    [Fact]
    public void Invalid_utf8_is_reported_as_invalid_json()
    {
        byte[] json = [.. "{\"ociVersion\": \""u8, 0xFF, .. "\"}"u8];

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(json));

        Assert.Equal("config.json: invalid JSON at line 1, column 16: invalid UTF-8 or escape in string", ex.Message);
    }

    [Fact]
    public void Args_given_as_a_string_are_refused_as_expected_array()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": "sh", "cwd": "/"}"""));

        Assert.Equal("config.json: process.args: expected array, got string \"sh\"", message);
    }

    [Fact]
    public void Uid_given_as_a_string_is_refused_as_expected_integer()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"user": {"uid": "0", "gid": 0}, "args": ["sh"], "cwd": "/"}"""));

        Assert.Equal("config.json: process.user.uid: expected integer (uint32), got string \"0\"", message);
    }

    [Fact]
    public void Negative_uid_is_refused_as_out_of_range()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"user": {"uid": -1, "gid": 0}, "args": ["sh"], "cwd": "/"}"""));

        Assert.Equal("config.json: process.user.uid: expected integer (uint32), got number -1", message);
    }

    [Fact]
    public void Non_string_array_element_is_refused_with_its_index()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": ["sh", 1], "cwd": "/"}"""));

        Assert.Equal("config.json: process.args[1]: expected string, got number 1", message);
    }

    [Fact]
    public void Null_for_a_required_string_is_refused()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": ["sh"], "cwd": null}"""));

        Assert.Equal("config.json: process.cwd: expected string, got null", message);
    }

    [Fact]
    public void Null_array_element_is_refused_with_its_index()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": ["sh", null], "cwd": "/"}"""));

        Assert.Equal("config.json: process.args[1]: expected string, got null", message);
    }

    [Fact]
    public void Wrong_type_inside_a_list_of_objects_names_the_element()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "mounts": [{"destination": "/a"}, {"destination": "/b", "options": "ro"}]}""");

        Assert.Equal("config.json: mounts[1].options: expected array, got string \"ro\"", message);
    }

    [Fact]
    public void Wrong_type_under_a_dotted_map_key_quotes_the_key()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}""");

        Assert.Equal("config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number 1", message);
    }

    [Fact]
    public void Boolean_given_as_a_string_is_refused_as_expected_boolean()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": {"path": "rootfs", "readonly": "true"}}""");

        Assert.Equal("config.json: root.readonly: expected boolean, got string \"true\"", message);
    }

    [Fact]
    public void Object_given_as_an_array_is_refused_as_expected_object()
    {
        var message = Specs.ParseError("""{"ociVersion": "1.2.0", "root": ["rootfs"]}""");

        Assert.Equal("config.json: root: expected object, got array", message);
    }

    [Fact]
    public void Top_level_array_is_refused_as_expected_object()
    {
        var message = Specs.ParseError("[]");

        Assert.Equal("config.json: expected object, got array", message);
    }

    [Fact]
    public void Top_level_null_is_refused_as_expected_object()
    {
        var message = Specs.ParseError("null");

        Assert.Equal("config.json: expected object, got null", message);
    }

    [Fact]
    public void Errors_start_with_the_given_source_name()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes("{}"), "/b/config.json"));

        Assert.Equal("/b/config.json: ociVersion: is required", ex.Message);
    }

    [Fact]
    public void Exception_exposes_path_and_problem_separately()
    {
        var ex = Assert.Throws<SpecException>(() => Specs.Parse(Specs.WithProcess("""{"args": [], "cwd": "/"}""")));

        Assert.Equal(("config.json", "process.args", "must not be empty"), (ex.Document, ex.JsonPath, ex.Problem));
    }
}
