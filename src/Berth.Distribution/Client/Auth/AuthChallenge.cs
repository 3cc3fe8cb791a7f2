using System.Text;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): a scheme and its parameters,
/// e.g. <c>Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"</c>.
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>Every challenge in the header values; malformed parameters end the challenge they are in.</summary>
    public static IReadOnlyList<AuthChallenge> Parse(IEnumerable<string> headerValues)
    {
        var list = new List<AuthChallenge>();
        foreach (var value in headerValues)
            ParseOne(value, list);
        return list;
    }

    private static void ParseOne(string header, List<AuthChallenge> into)
    {
        var i = 0;
        while (i < header.Length)
        {
            SkipSeparators(header, ref i);
            var scheme = Token(header, ref i);
            if (scheme.Length == 0)
                return;
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                SkipSeparators(header, ref i);
                var start = i;
                var name = Token(header, ref i);
                SkipSpaces(header, ref i);
                if (name.Length == 0 || i >= header.Length || header[i] != '=')
                {
                    // Not a parameter: the next challenge's scheme starts here.
                    i = start;
                    break;
                }
                i++;
                SkipSpaces(header, ref i);
                parameters[name] = i < header.Length && header[i] == '"' ? Quoted(header, ref i) : Token(header, ref i);
            }
            into.Add(new AuthChallenge(scheme, parameters));
        }
    }

    private static string Token(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or ',' or '=' or '"'))
            i++;
        return s[start..i];
    }

    private static string Quoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++;
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
                i++;
            sb.Append(s[i]);
            i++;
        }
        i = Math.Min(i + 1, s.Length);
        return sb.ToString();
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
            i++;
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
            i++;
    }
}
