using System.Globalization;
using System.Text;

namespace IceSpec.Turn.Benchmarks;

/// <summary>The table of one or more runs side by side (text and Markdown), with ours/coturn ratios.</summary>
public static class Comparison
{
    private static readonly string[] Methods = ["Allocate", "Refresh", "CreatePermission", "ChannelBind", "Close"];

    /// <summary>Rows: (label, value per report, ratio-able number per report or null).</summary>
    private static List<(string Label, string[] Values, double?[] Numbers)> Rows(IReadOnlyList<LoadReport> reports)
    {
        var rows = new List<(string, string[], double?[])>();
        void Row(string label, Func<LoadReport, string> text, Func<LoadReport, double?>? number = null) =>
            rows.Add((label, reports.Select(text).ToArray(), reports.Select(r => number?.Invoke(r)).ToArray()));
        static string Ms(LatencySummary l) => l.Count == 0 ? "-" : F($"{l.P50Ms:0.00} / {l.P99Ms:0.00}");
        static string MiB(long kib) => kib < 0 ? "-" : F($"{kib / 1024.0:0.0}");

        Row("allocations held / asked", r => $"{r.HeldAtEnd} / {r.Allocations}");
        Row("not allocated", r => r.NotAllocated.ToString(CultureInfo.InvariantCulture));
        Row("lost (refresh/permission/channel/delete failed)", r => r.Lost.ToString(CultureInfo.InvariantCulture));
        Row("deleted at the end", r => r.Deleted.ToString(CultureInfo.InvariantCulture));
        Row("LIFETIME asked / granted to Allocate / to Refresh (s)", r => F($"{r.LifetimeSeconds:0} / {r.GrantedLifetimeSeconds:0} / {r.RefreshGrantedLifetimeSeconds:0}"));
        Row("refreshes: allocation / permission / channel", r => $"{r.Refreshes} / {r.PermissionRefreshes} / {r.ChannelRefreshes}");
        Row("requests retransmitted", r => r.Retransmitted.ToString(CultureInfo.InvariantCulture));
        foreach (var method in Methods)
        {
            var label = method == "Close" ? "delete (Refresh 0)" : method;
            Row($"{label} p50 / p99 (ms)", r => r.Requests.TryGetValue(method, out var l) ? Ms(l) : "-",
                r => r.Requests.TryGetValue(method, out var l) && l.Count > 0 ? l.P99Ms : null);
        }
        Row("probes sent / at peer / back", r => $"{r.ProbesSent} / {r.ProbesAtPeer} / {r.ProbesBack}");
        Row("probes skipped (generator > 250 ms late)", r => r.ProbesSkipped.ToString(CultureInfo.InvariantCulture));
        Row("relayed client→peer p50 / p99 (ms)", r => Ms(r.ToPeer), r => r.ToPeer.Count > 0 ? r.ToPeer.P99Ms : null);
        Row("relayed peer→client p50 / p99 (ms)", r => Ms(r.FromPeer), r => r.FromPeer.Count > 0 ? r.FromPeer.P99Ms : null);
        Row("relayed round trip p50 / p99 (ms)", r => Ms(r.RoundTrip), r => r.RoundTrip.Count > 0 ? r.RoundTrip.P99Ms : null);
        Row("RSS before load (MiB)", r => MiB(r.Server.RssBaselineKiB));
        Row("RSS all allocated / end of hold (MiB)", r => $"{MiB(r.Server.RssHoldStartKiB)} / {MiB(r.Server.RssHoldEndKiB)}");
        Row("RSS peak (MiB)", r => MiB(r.Server.RssPeakKiB), r => r.Server.RssPeakKiB > 0 ? r.Server.RssPeakKiB : null);
        Row("RSS after the deletes (MiB)", r => MiB(r.Server.RssEndKiB), r => r.Server.RssEndKiB > 0 ? r.Server.RssEndKiB : null);
        Row("RSS per allocation (KiB, peak − before / held)", r => r.HeldAtEnd == 0 || r.Server.RssPeakKiB < 0 ? "-"
            : F($"{(r.Server.RssPeakKiB - r.Server.RssBaselineKiB) / (double)r.HeldAtEnd:0.0}"),
            r => r.HeldAtEnd == 0 || r.Server.RssPeakKiB < 0 ? null : (r.Server.RssPeakKiB - r.Server.RssBaselineKiB) / (double)r.HeldAtEnd);
        Row("descriptors before / peak / after", r => $"{r.Server.DescriptorsBaseline} / {r.Server.DescriptorsPeak} / {r.Server.DescriptorsEnd}");
        Row("socket descriptors before / peak / after", r => $"{r.Server.SocketDescriptorsBaseline} / {r.Server.SocketDescriptorsPeak} / {r.Server.SocketDescriptorsEnd}");
        Row("UDP datagrams dropped by the server's full receive buffers (at least)", r => r.Server.UdpDrops < 0 ? "-" : r.Server.UdpDrops.ToString(CultureInfo.InvariantCulture));
        Row("relay ports peak / after", r => $"{r.Server.RelaySocketsPeak} / {r.Server.RelaySocketsEnd}");
        Row("checks", r => r.Passed ? "all pass" : "FAIL: " + string.Join(", ", r.Checks.Where(c => !c.Passed).Select(c => c.Name)));
        return rows;
    }

    public static string Table(IReadOnlyList<LoadReport> reports)
    {
        var rows = Rows(reports);
        var width = rows.Max(r => r.Label.Length);
        var columns = reports.Select((r, i) => Math.Max(r.Name.Length, rows.Max(x => x.Values[i].Length))).ToArray();
        var text = new StringBuilder();
        text.Append("".PadRight(width));
        for (var i = 0; i < reports.Count; i++) text.Append("  ").Append(reports[i].Name.PadLeft(columns[i]));
        text.AppendLine();
        foreach (var (label, values, _) in rows)
        {
            text.Append(label.PadRight(width));
            for (var i = 0; i < values.Length; i++) text.Append("  ").Append(values[i].PadLeft(columns[i]));
            text.AppendLine();
        }
        return text.ToString();
    }

    public static string Ratios(LoadReport ours, LoadReport coturn)
    {
        var text = new StringBuilder("ratio ours/coturn (< 1: ours lower):");
        foreach (var (label, _, numbers) in Rows([ours, coturn]))
            if (numbers[0] is { } a && numbers[1] is { } b && b > 0)
                text.Append(F($" {label.Replace(" (ms)", "").Replace(" p50 / p99", " p99").Replace(" (MiB)", "")} {a / b:0.00};"));
        return text.ToString().TrimEnd(';');
    }

    public static string Markdown(LoadReport ours, LoadReport coturn)
    {
        var text = new StringBuilder();
        text.AppendLine($"| | {ours.Name} | {coturn.Name} | ours/coturn |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (label, values, numbers) in Rows([ours, coturn]))
        {
            var ratio = numbers[0] is { } a && numbers[1] is { } b && b > 0 ? F($"{a / b:0.00}") : "";
            text.AppendLine($"| {label} | {values[0]} | {values[1]} | {ratio} |");
        }
        text.AppendLine();
        foreach (var report in (LoadReport[])[ours, coturn])
        {
            text.AppendLine($"Checks, {report.Name}:");
            text.AppendLine();
            foreach (var check in report.Checks) text.AppendLine($"- {(check.Passed ? "pass" : "**FAIL**")} {check.Name}: {check.Detail}");
            foreach (var failure in report.Failures) text.AppendLine($"- failure: {failure}");
            text.AppendLine();
        }
        return text.ToString();
    }

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
