using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

public class SysctlValidationTests
{
    private static Spec WithSysctl(string key, string value = "1")
    {
        var spec = Specs.Valid();
        spec.Linux!.Sysctl = new() { [key] = value };
        return spec;
    }

    [Fact]
    public void Sysctl_outside_any_namespace_is_refused()
    {
        var spec = WithSysctl("vm.swappiness", "10");

        Assert.Equal("config.json: linux.sysctl: \"vm.swappiness\" is not in a separate kernel namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Net_sysctl_with_a_network_namespace_is_accepted()
    {
        SpecValidator.Validate(WithSysctl("net.ipv4.ip_forward"));
    }

    [Fact]
    public void Net_sysctl_without_a_network_namespace_is_refused()
    {
        var spec = WithSysctl("net.ipv4.ip_forward");
        Specs.RemoveNamespace(spec, "network");

        Assert.Equal("config.json: linux.sysctl: \"net.ipv4.ip_forward\" requires a new network namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Slash_separated_sysctl_is_judged_by_its_dotted_name()
    {
        var spec = WithSysctl("net/ipv4/conf/eth0.100/rp_filter");
        Specs.RemoveNamespace(spec, "network");

        Assert.Equal("config.json: linux.sysctl: \"net.ipv4.conf.eth0/100.rp_filter\" requires a new network namespace", Specs.ValidationError(spec));
    }

    [Theory]
    [InlineData("kernel.shmmax")]
    [InlineData("kernel.msgmnb")]
    [InlineData("kernel.sem")]
    [InlineData("fs.mqueue.msg_max")]
    public void Ipc_sysctl_without_an_ipc_namespace_is_refused(string key)
    {
        var spec = WithSysctl(key);
        Specs.RemoveNamespace(spec, "ipc");

        Assert.Equal($"config.json: linux.sysctl: \"{key}\" requires a new ipc namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Ipc_sysctl_with_an_ipc_namespace_is_accepted()
    {
        SpecValidator.Validate(WithSysctl("fs.mqueue.msg_max", "20"));
    }

    [Fact]
    public void Kernel_sysctl_that_is_not_namespaced_is_refused()
    {
        var spec = WithSysctl("kernel.pid_max", "65536");

        Assert.Equal("config.json: linux.sysctl: \"kernel.pid_max\" is not in a separate kernel namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Domainname_sysctl_with_a_uts_namespace_is_accepted()
    {
        SpecValidator.Validate(WithSysctl("kernel.domainname", "example.org"));
    }

    [Fact]
    public void Domainname_sysctl_without_a_uts_namespace_is_refused()
    {
        var spec = WithSysctl("kernel.domainname", "example.org");
        spec.Hostname = null;
        Specs.RemoveNamespace(spec, "uts");

        Assert.Equal("config.json: linux.sysctl: \"kernel.domainname\" requires a new uts namespace", Specs.ValidationError(spec));
    }

    [Fact]
    public void Hostname_sysctl_is_refused_in_favour_of_the_hostname_field()
    {
        var spec = WithSysctl("kernel.hostname", "box");

        Assert.Equal("config.json: linux.sysctl: \"kernel.hostname\" conflicts with the \"hostname\" field", Specs.ValidationError(spec));
    }

    [Fact]
    public void User_sysctl_without_a_user_namespace_is_refused()
    {
        var spec = WithSysctl("user.max_user_namespaces", "0");

        Assert.Equal("config.json: linux.sysctl: \"user.max_user_namespaces\" requires a new user namespace", Specs.ValidationError(spec));
    }
}
