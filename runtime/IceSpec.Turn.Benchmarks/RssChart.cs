using System.Globalization;
using System.Security;
using System.Text;

namespace IceSpec.Turn.Benchmarks;

/// <summary>
/// A small SVG line chart of each run's server RSS over time (seconds since the run started), one colour per server,
/// with the allocations held drawn faintly on a second axis. Hand-written: a few polylines and labels.
/// </summary>
public static class RssChart
{
    private const int Width = 760, Height = 360, Left = 60, Right = 60, Top = 30, Bottom = 45;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    public static string Render(IReadOnlyList<LoadReport> reports)
    {
        var maxT = Math.Max(1, reports.SelectMany(r => r.Samples).Select(s => s.Seconds).DefaultIfEmpty(1).Max());
        var maxRss = Math.Max(1, reports.SelectMany(r => r.Samples).Select(s => s.RssKiB / 1024.0).DefaultIfEmpty(1).Max());
        maxRss = Nice(maxRss);
        var maxHeld = Math.Max(1, reports.Select(r => r.Allocations).DefaultIfEmpty(1).Max());
        double X(double t) => Left + t / maxT * (Width - Left - Right);
        double Y(double v, double max) => Height - Bottom - v / max * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(F($"<text x=\"{Width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">TURN server RSS under load ({string.Join(" vs ", reports.Select(r => Escape(r.Name)))}, {maxHeld} allocations)</text>"));
        for (var i = 0; i <= 4; i++)
        {
            var v = maxRss * i / 4;
            svg.AppendLine(F($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v, maxRss):0.#}\" y2=\"{Y(v, maxRss):0.#}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(F($"<text x=\"{Left - 6}\" y=\"{Y(v, maxRss) + 4:0.#}\" text-anchor=\"end\">{v:0}</text>"));
            svg.AppendLine(F($"<text x=\"{Width - Right + 6}\" y=\"{Y(v, maxRss) + 4:0.#}\" fill=\"#888\">{maxHeld * i / 4}</text>"));
            var t = maxT * i / 4;
            svg.AppendLine(F($"<text x=\"{X(t):0.#}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{t:0}</text>"));
        }
        svg.AppendLine(F($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">seconds since the run started</text>"));
        svg.AppendLine(F($"<text transform=\"translate(16 {Height / 2}) rotate(-90)\" text-anchor=\"middle\">RSS (MiB)</text>"));
        svg.AppendLine(F($"<text transform=\"translate({Width - 14} {Height / 2}) rotate(90)\" text-anchor=\"middle\" fill=\"#888\">allocations held (dashed)</text>"));
        svg.AppendLine(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#444\"/>"));
        for (var i = 0; i < reports.Count; i++)
        {
            var colour = Colours[i % Colours.Length];
            var samples = reports[i].Samples.Where(s => s.RssKiB >= 0).ToList();
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(' ', samples.Select(s => F($"{X(s.Seconds):0.#},{Y(s.RssKiB / 1024.0, maxRss):0.#}")))}\"/>");
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-opacity=\"0.45\" stroke-dasharray=\"4 3\" points=\"{string.Join(' ', reports[i].Samples.Select(s => F($"{X(s.Seconds):0.#},{Y(s.Held, maxHeld):0.#}")))}\"/>");
            svg.AppendLine(F($"<rect x=\"{Left + 10 + i * 150}\" y=\"{Top + 8}\" width=\"14\" height=\"4\" fill=\"{colour}\"/>"));
            svg.AppendLine(F($"<text x=\"{Left + 30 + i * 150}\" y=\"{Top + 14}\">{Escape(reports[i].Name)}</text>"));
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2, 2.5 or 5 times a power of ten, at or above <paramref name="value"/>.</summary>
    private static double Nice(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in (double[])[1, 2, 2.5, 5, 10])
            if (step * power >= value) return step * power;
        return 10 * power;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
