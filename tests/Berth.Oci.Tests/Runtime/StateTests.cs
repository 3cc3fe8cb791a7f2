using System.Text;
using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class StateTests
{
    private static State Sample() => new()
    {
        OciVersion = "1.2.0",
        Id = "box",
        Pid = 4242,
        Status = ContainerStatus.Running,
        Bundle = "/srv/box",
        Rootfs = "/srv/box/rootfs",
        Created = "2024-05-06T07:08:09.123456789Z",
        Annotations = new() { ["a"] = "b" },
        Owner = "",
    };

    [Fact]
    public void State_is_written_in_runc_field_order_with_two_space_indent()
    {
        const string expected = """
            {
              "ociVersion": "1.2.0",
              "id": "box",
              "pid": 4242,
              "status": "running",
              "bundle": "/srv/box",
              "rootfs": "/srv/box/rootfs",
              "created": "2024-05-06T07:08:09.123456789Z",
              "annotations": {
                "a": "b"
              },
              "owner": ""
            }
            """;

        Assert.Equal(expected, OciJson.SerializeState(Sample()));
    }

    [Fact]
    public void Stopped_state_still_writes_pid_zero_and_omits_null_annotations()
    {
        var state = Sample();
        state.Pid = 0;
        state.Status = ContainerStatus.Stopped;
        state.Annotations = null;

        var written = OciJson.SerializeState(state);

        Assert.Contains("\"pid\": 0,", written);
        Assert.DoesNotContain("annotations", written);
    }

    [Fact]
    public void State_list_is_written_on_one_line()
    {
        var written = OciJson.SerializeStates([Sample(), Sample()]);

        Assert.DoesNotContain('\n', written);
        Assert.StartsWith("[{\"ociVersion\":\"1.2.0\",\"id\":\"box\",\"pid\":4242,", written);
    }

    [Fact]
    public void State_survives_a_round_trip()
    {
        var written = OciJson.SerializeState(Sample());

        Assert.Equal(written, OciJson.SerializeState(OciJson.DeserializeState(Encoding.UTF8.GetBytes(written))));
    }

    [Fact]
    public void Created_time_is_formatted_like_go_rfc3339nano()
    {
        var time = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1_234_500);

        Assert.Equal("2024-05-06T07:08:09.12345Z", State.FormatCreated(time));
    }

    [Fact]
    public void Created_time_on_a_whole_second_has_no_fraction()
    {
        var time = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

        Assert.Equal("2024-05-06T07:08:09Z", State.FormatCreated(time));
    }

    [Fact]
    public void Created_time_is_converted_to_utc()
    {
        var time = new DateTimeOffset(2024, 5, 6, 9, 8, 9, TimeSpan.FromHours(2)).UtcDateTime.ToLocalTime();

        Assert.Equal("2024-05-06T07:08:09Z", State.FormatCreated(time));
    }
}
