using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// Runs the selected black-box server cases (<see cref="ServerCaseSuite"/>) against each selected server, started for the
/// purpose (<see cref="LoopbackServers.StartForServerCasesAsync"/>: a second, quota-limited instance when quota cases run).
/// </summary>
public static class ServerCaseRunner
{
    public static async Task<IReadOnlyList<CaseResult>> RunAsync(RunSelection selection, List<string> errors, IProgress<RunProgress>? progress, CancellationToken ct)
    {
        var ids = ServerCaseSuite.Cases.Where(selection.Selects).Select(c => c.Id).ToList();
        var results = new List<CaseResult>();
        if (ids.Count == 0) return results;
        var directory = Path.Combine(selection.OutputDirectory, "server");
        foreach (var kind in selection.ServerCaseTargets)
        {
            var inShard = ids.Where(id => selection.InShard(Unit(kind, id))).ToList();
            if (inShard.Count == 0) continue;
            progress?.Report(new RunProgress($"server cases: starting {kind}", 0, 0));
            try
            {
                var quotaCases = ServerCaseSuite.All.Any(c => c.OnQuotaTarget && inShard.Contains(c.Info.Id));
                await using var servers = await LoopbackServers.StartForServerCasesAsync(kind, directory, quotaCases, ct);
                var done = 0;
                var reporter = new CaseProgress(r => progress?.Report(new RunProgress($"server {r.Implementation}: {r.Case.Id} {r.Outcome}", ++done, inShard.Count)));
                var options = new ServerCaseOptions(selection.Strict, inShard, Expected: selection.ExpectedFailures);
                results.AddRange((await ServerCaseSuite.RunAsync(servers.Target, options, reporter, ct)).Select(r => r with
                {
                    LogPath = Path.GetRelativePath(selection.OutputDirectory, servers.LogPathFor(ServerCaseSuite.All.Single(c => c.Info.Id == r.Case.Id))),
                }));
            }
            catch (LabException e)
            {
                errors.Add($"server cases against {kind}: {e.Message}");
            }
        }
        return results;
    }

    /// <summary>The name of one server case run as a unit of work (<see cref="Shard"/>).</summary>
    public static string Unit(LabServerKind server, string caseId) => $"server {server} {caseId}";

    private sealed class CaseProgress(Action<CaseResult> report) : IProgress<CaseResult>
    {
        public void Report(CaseResult value) => report(value);
    }
}
