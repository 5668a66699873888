namespace IceSpec.Conformance.Reports;

/// <summary>
/// Joins the reports of the shards of one run (<c>icespec conformance run --shard K/N</c>, each into its own directory)
/// into one report identical to the run's done at once (<see cref="ConformanceReport.Canonical"/>), and copies each
/// shard's pcaps and logs beside it so that every link holds. A log several shards wrote (the server cases' server log,
/// a scenario's server log) is kept whole: the later shards' text is appended under a header.
/// </summary>
public static class ReportMerge
{
    /// <exception cref="FormatException">A directory without report.json, or a report from another kind of run (strict / server differ).</exception>
    public static ConformanceReport Merge(IReadOnlyList<string> shardDirectories, string outputDirectory)
    {
        if (shardDirectories.Count == 0) throw new FormatException("merge needs at least one shard directory");
        var reports = new List<ConformanceReport>();
        foreach (var directory in shardDirectories)
        {
            var path = Path.Combine(directory, ReportFiles.Json);
            if (!File.Exists(path)) throw new FormatException($"{directory}: no {ReportFiles.Json} (is it the --out of a conformance run?)");
            reports.Add(JsonReport.Read(path));
        }
        var first = reports[0];
        foreach (var (report, directory) in reports.Zip(shardDirectories))
            if (report.Strict != first.Strict || report.Server != first.Server)
                throw new FormatException($"{directory}: a shard of a different run (strict {report.Strict}, server {report.Server}; the first: strict {first.Strict}, server {first.Server})");

        Directory.CreateDirectory(outputDirectory);
        foreach (var (directory, shard) in shardDirectories.Select((d, i) => (d, i + 1)))
            CopyArtifacts(directory, outputDirectory, shard);

        var started = reports.Min(r => r.StartedAt);
        var ended = reports.Max(r => r.StartedAt + r.Duration);
        return new ConformanceReport(started, ended - started, first.Server, first.Strict,
            [.. reports.SelectMany(r => r.Implementations).Distinct()],
            [.. reports.SelectMany(r => r.Scenarios).GroupBy(s => s.Name).Select(g => g.First())],
            [.. reports.SelectMany(r => r.Cells)],
            [.. reports.SelectMany(r => r.ServerCases)],
            [.. reports.SelectMany(r => r.Errors).Distinct()])
        {
            AgentCases = [.. reports.SelectMany(r => r.AgentCases)],
        }.Canonical();
    }

    private static void CopyArtifacts(string from, string to, int shard)
    {
        var reportFiles = new HashSet<string>([ReportFiles.Json, ReportFiles.JUnit, ReportFiles.Html, ReportFiles.Markdown]);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (reportFiles.Contains(relative)) continue;
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target)) File.Copy(file, target);
            else if (target.EndsWith(".log", StringComparison.Ordinal))
                File.AppendAllText(target, $"\n--- shard {shard}: {relative} ---\n" + File.ReadAllText(file));
        }
    }
}
