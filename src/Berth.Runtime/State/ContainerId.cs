namespace Berth.Runtime.State;

/// <summary>Container ids as runc accepts them: they name a directory under --root, so nothing that can climb out.</summary>
public static class ContainerId
{
    public const int MaxLength = 1024;

    public static void Validate(string id)
    {
        if (string.IsNullOrEmpty(id))
            throw new RuntimeException("container id cannot be empty");
        if (id.Length > MaxLength)
            throw new RuntimeException($"invalid container id format: id is longer than {MaxLength} characters");
        if (id is "." or "..")
            throw new RuntimeException($"invalid container id format: {id}");
        foreach (var c in id)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '+' or '-' or '.';
            if (!ok)
                throw new RuntimeException($"invalid container id format: {id}");
        }
    }
}
