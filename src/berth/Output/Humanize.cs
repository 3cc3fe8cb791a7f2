using System.Globalization;

namespace Berth.Cli.Output;

/// <summary>Sizes and ages as the docker CLI prints them (go-units HumanSize and HumanDuration).</summary>
public static class Humanize
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB"];

    /// <summary>Decimal units, three significant digits: "4.26MB", "512B".</summary>
    public static string Size(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return value.ToString("G3", CultureInfo.InvariantCulture) + Units[unit];
    }

    /// <summary>"About a minute", "3 hours", "2 weeks": the age docker prints before "ago".</summary>
    public static string Duration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        return seconds switch
        {
            < 1 => "Less than a second",
            1 => "1 second",
            < 60 => $"{seconds} seconds",
            _ when d.TotalMinutes < 2 => "About a minute",
            _ when d.TotalMinutes < 60 => $"{(int)d.TotalMinutes} minutes",
            _ when d.TotalHours < 2 => "About an hour",
            _ when d.TotalHours < 48 => $"{(int)d.TotalHours} hours",
            _ when d.TotalHours < 24 * 7 * 2 => $"{(int)(d.TotalHours / 24)} days",
            _ when d.TotalHours < 24 * 30 * 2 => $"{(int)(d.TotalHours / 24 / 7)} weeks",
            _ when d.TotalHours < 24 * 365 * 2 => $"{(int)(d.TotalHours / 24 / 30)} months",
            _ => $"{(int)(d.TotalHours / 24 / 365)} years",
        };
    }

    public static string Ago(DateTimeOffset? when) =>
        when is { } t ? Duration(DateTimeOffset.UtcNow - t) + " ago" : "N/A";
}
