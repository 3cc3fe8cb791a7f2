namespace Berth.Oci.Runtime.Json;

/// <summary>Dotted JSON paths as messages print them: "mounts[3].destination", "linux.sysctl[\"net.core.somaxconn\"]".</summary>
internal static class JsonPathText
{
    public static string Child(string parent, string name)
    {
        if (name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            return parent.Length == 0 ? name : parent + "." + name;
        return parent + "[\"" + name + "\"]";
    }
}
