using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class ProcessValidationTests
{
    [Fact]
    public void Spec_without_a_process_is_accepted_at_load_time()
    {
        var spec = Specs.Parse("""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}}""");

        Assert.Null(spec.Process);
    }

    [Fact]
    public void Empty_args_are_refused_naming_process_args()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": [], "cwd": "/"}"""));

        Assert.Equal("config.json: process.args: must not be empty", message);
    }

    [Fact]
    public void Missing_args_are_refused_as_empty()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"cwd": "/"}"""));

        Assert.Equal("config.json: process.args: must not be empty", message);
    }

    [Fact]
    public void Missing_cwd_is_refused()
    {
        var message = Specs.ParseError(Specs.WithProcess("""{"args": ["sh"]}"""));

        Assert.Equal("config.json: process.cwd: is required", message);
    }

    [Fact]
    public void Relative_cwd_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Cwd = "work";

        Assert.Equal("config.json: process.cwd: must be an absolute path", Specs.ValidationError(spec));
    }

    [Fact]
    public void Env_entry_without_equals_sign_is_refused_with_its_index()
    {
        var spec = Specs.Valid();
        spec.Process!.Env!.Add("DEBUG");

        Assert.Equal("config.json: process.env[2]: must be of the form KEY=value, got \"DEBUG\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Env_entry_with_an_empty_name_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Env![0] = "=value";

        Assert.Equal("config.json: process.env[0]: must be of the form KEY=value, got \"=value\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Values_quoted_in_messages_are_escaped_and_shortened()
    {
        var spec = Specs.Valid();
        spec.Process!.Env!.Add("say \"hi\"\n" + new string('x', 100));

        Assert.Equal(
            "config.json: process.env[2]: must be of the form KEY=value, got \"say \\\"hi\\\"\\u000a" + new string('x', 55) + "…\"",
            Specs.ValidationError(spec));
    }

    [Fact]
    public void Env_entry_with_an_empty_value_is_accepted()
    {
        var spec = Specs.Valid();
        spec.Process!.Env!.Add("EMPTY=");

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Unknown_rlimit_type_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Rlimits![0].Type = "RLIMIT_FILES";

        Assert.Equal("config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FILES\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Soft_rlimit_above_hard_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Rlimits![0].Soft = 2048;

        Assert.Equal("config.json: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024", Specs.ValidationError(spec));
    }

    [Fact]
    public void Duplicate_rlimit_type_is_refused_at_the_second_entry()
    {
        var spec = Specs.Valid();
        spec.Process!.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 10, Soft = 10 });

        Assert.Equal("config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_capability_is_refused_naming_its_set_and_index()
    {
        var spec = Specs.Valid();
        spec.Process!.Capabilities!.Ambient = ["CAP_KILL", "CAP_SYS_EVERYTHING"];

        Assert.Equal("config.json: process.capabilities.ambient[1]: unknown capability \"CAP_SYS_EVERYTHING\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Capability_names_without_the_cap_prefix_are_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Capabilities!.Bounding![0] = "AUDIT_WRITE";

        Assert.Equal("config.json: process.capabilities.bounding[0]: unknown capability \"AUDIT_WRITE\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Umask_above_0777_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.User.Umask = 0x200;

        Assert.Equal("config.json: process.user.umask: must be at most 0777 (got 01000)", Specs.ValidationError(spec));
    }

    [Fact]
    public void Umask_0777_is_accepted()
    {
        var spec = Specs.Valid();
        spec.Process!.User.Umask = 0x1FF;

        SpecValidator.Validate(spec);
    }

    [Fact]
    public void Oom_score_adj_outside_the_kernel_range_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.OomScoreAdj = 1001;

        Assert.Equal("config.json: process.oomScoreAdj: must be between -1000 and 1000", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_scheduler_policy_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_FAST" };

        Assert.Equal("config.json: process.scheduler.policy: unknown policy \"SCHED_FAST\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Scheduler_priority_with_sched_other_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_OTHER", Priority = 10 };

        Assert.Equal("config.json: process.scheduler.priority: is only valid with SCHED_FIFO or SCHED_RR", Specs.ValidationError(spec));
    }

    [Fact]
    public void Scheduler_nice_out_of_range_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_BATCH", Nice = 20 };

        Assert.Equal("config.json: process.scheduler.nice: must be between -20 and 19", Specs.ValidationError(spec));
    }

    [Fact]
    public void Deadline_parameters_without_sched_deadline_are_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_FIFO", Priority = 5, Runtime = 1000 };

        Assert.Equal("config.json: process.scheduler: runtime, deadline and period are only valid with SCHED_DEADLINE", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_scheduler_flag_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_OTHER", Flags = ["SCHED_FLAG_TURBO"] };

        Assert.Equal("config.json: process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_TURBO\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Unknown_io_priority_class_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_NONE" };

        Assert.Equal("config.json: process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"", Specs.ValidationError(spec));
    }

    [Fact]
    public void Io_priority_above_7_is_refused()
    {
        var spec = Specs.Valid();
        spec.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 8 };

        Assert.Equal("config.json: process.ioPriority.priority: must be between 0 and 7", Specs.ValidationError(spec));
    }
}
