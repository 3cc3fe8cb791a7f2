using System.Text;
using Berth.Oci.Runtime;

namespace Berth.Oci.Tests.Runtime;

/// <summary>Shortcuts for building specs and capturing the error they are refused with.</summary>
internal static class Specs
{
    /// <summary>A valid spec to break one rule at a time: runc's example, as the spec verb writes it.</summary>
    public static Spec Valid() => DefaultSpec.Create(rootless: false);

    public static Spec Parse(string json, string source = "config.json") => SpecLoader.Parse(Encoding.UTF8.GetBytes(json), source);

    public static string ParseError(string json) => Assert.Throws<SpecException>(() => Parse(json)).Message;

    public static string ValidationError(Spec spec) => Assert.Throws<SpecException>(() => SpecValidator.Validate(spec)).Message;

    /// <summary>The smallest loadable config with the given JSON as its "process" member.</summary>
    public static string WithProcess(string processJson) =>
        $$"""{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": {{processJson}}}""";

    public static void AddNamespace(Spec spec, string type, string? path = null) =>
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = type, Path = path });

    public static void RemoveNamespace(Spec spec, string type) =>
        spec.Linux!.Namespaces!.RemoveAll(ns => ns.Type == type);
}
