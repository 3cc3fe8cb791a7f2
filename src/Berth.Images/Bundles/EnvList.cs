using static Berth.Images.Bundles.Quoting;

namespace Berth.Images.Bundles;

/// <summary>An environment in order, where setting a key again replaces it in place (moby's ReplaceOrAppendEnvValues).</summary>
internal sealed class EnvList
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Sets every KEY=value of <paramref name="env"/>; an entry without a key is refused.</summary>
    public void SetAll(IReadOnlyList<string>? env, string source)
    {
        var list = env ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var eq = list[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new BundleException($"{source}: Env[{i}]: must be of the form KEY=value, got {Quote(list[i])}");
            Set(list[i][..eq], list[i][(eq + 1)..]);
        }
    }

    public void Set(string key, string value)
    {
        var index = IndexOf(key);
        if (index < 0)
            _entries.Add($"{key}={value}");
        else
            _entries[index] = $"{key}={value}";
    }

    public bool Contains(string key) => IndexOf(key) >= 0;

    private int IndexOf(string key) =>
        _entries.FindIndex(e => e.Length > key.Length && e[key.Length] == '=' && e.StartsWith(key, StringComparison.Ordinal));
}
