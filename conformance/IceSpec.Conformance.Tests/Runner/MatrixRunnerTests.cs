using IceSpec.Captures;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>A small real matrix: libnice and aioice in the lab, without NAT and behind two symmetric NATs with TURN.</summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class MatrixRunnerTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-matrix-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task Our_turn_server_relays_for_a_udp_blocked_site_over_tcp()
    {
        var selection = new RunSelection(["libnice", "werift", "pion", "aioice"], ["udp-blocked-turn-tcp"], ["default"], [], false, KnownFailures.Load(), _out,
            LabServerKind.IceSpec, Pairs: new Dictionary<string, IReadOnlyList<string>> { ["*"] = ["libnice>werift", "pion>aioice"] },
            AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(2, report.Cells.Count);
        Assert.All(report.Cells, cell =>
        {
            Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
                $"{cell.Pair}: {cell.Detail}; {string.Join("; ", cell.Cases.Where(c => c.Outcome != CaseOutcome.Passed).Select(c => $"{c.Case.Id} {c.Outcome} {c.Detail}"))}");
            Assert.Equal(PairKind.Relay, cell.Observed);
            Assert.Contains($"relay {LabAddressPlan.IceSpecServerAddress}:", cell.ControllingPair + " " + cell.ControlledPair);
        });
    }

    [Fact]
    public async Task A_cell_where_ice_cannot_connect_links_its_diagnosis()
    {
        // Both symmetric, no TURN: ICE fails as predicted; the report says why, from the cell's own captures.
        var selection = new RunSelection(["icespec", "libnice"], ["both-symmetric-no-turn"], ["regular"], [], false, KnownFailures.Load(), _out,
            LabServerKind.Coturn, Pairs: new Dictionary<string, IReadOnlyList<string>> { ["*"] = ["icespec>libnice"] },
            AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        var cell = Assert.Single(report.Cells);
        Assert.Null(cell.Observed);
        var diagnosis = cell.Diagnosis!;
        Assert.Equal("failed: no pair succeeded", diagnosis.Summary);
        Assert.Contains(diagnosis.Findings, f => f.StartsWith("[cause] mapping-endpoint-dependent:", StringComparison.Ordinal) && f.Contains("only relayed candidates (TURN)"));
        Assert.Contains(diagnosis.Findings, f => f.StartsWith("[cause] no-pair-succeeded:", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_out, diagnosis.Page!)), diagnosis.Page);
        Assert.Contains(cell.Artifacts, a => a.EndsWith("diagnosis.json"));
    }

    [Fact]
    public async Task Server_cases_run_against_icespec_turn_server_with_its_log()
    {
        var selection = new RunSelection([], [], ["default"], ["rfc8656-7.2-*"], false, null, _out,
            ServerCaseTargets: [LabServerKind.IceSpec]);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Empty(report.Cells);
        Assert.NotEmpty(report.ServerCases);
        Assert.All(report.ServerCases, r =>
        {
            Assert.StartsWith("rfc8656-7.2-", r.Case.Id);
            Assert.Equal("icespec", r.Implementation);
            Assert.True(File.Exists(Path.Combine(_out, r.LogPath!)), r.LogPath);
        });
        Assert.Contains(report.ServerCases, r => r.Outcome == CaseOutcome.Passed);
        // The 486 and 508 cases ran on the quota instance started for them, and really checked their limit.
        Assert.All(report.ServerCases.Where(r => r.Case.Id is "rfc8656-7.2-9" or "rfc8656-7.2-10"), r =>
        {
            Assert.Equal(CaseOutcome.Passed, r.Outcome);
            Assert.Equal(Path.Combine("server", "icespec-quota.log"), r.LogPath);
        });
        Assert.Equal(2, report.ServerCases.Count(r => r.LogPath == Path.Combine("server", "icespec-quota.log")));
    }

    [Fact]
    public async Task Libnice_and_aioice_connect_as_predicted_with_readable_pcaps()
    {
        // The kit's known failures, and one passing case listed as expected to fail: it must come back as an unexpected pass.
        var expected = ExpectedFailures.Parse(KnownFailures.Text + "\nrfc8445-6.1.2.3-1 no-nat/aioice>libnice listed to check the list is applied");
        var selection = new RunSelection(["libnice", "aioice"], ["no-nat", "both-symmetric-turn"], ["default"], [], false,
            expected, _out, LabServerKind.Coturn, AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(8, report.Cells.Count);
        var listed = report.Cells.Single(c => c.Scenario == "no-nat" && c.Pair == "aioice>libnice");
        Assert.Equal(CaseOutcome.UnexpectedPass, listed.Cases.Single(c => c.Case.Id == "rfc8445-6.1.2.3-1").Outcome);
        Assert.False(report.Succeeded);
        Assert.All(report.Cells.Except([listed]), cell =>
        {
            Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
                $"{cell.Scenario} {cell.Pair}: {cell.Detail}; {string.Join("; ", cell.Cases.Select(c => $"{c.Case.Id} {c.Outcome} {c.Detail}"))}");
            Assert.Equal(ScenarioCatalog.Find(cell.Scenario)!.Prediction.Kind, cell.Observed);
            Assert.Equal(IceCases.All.Count, cell.Cases.Count);
            foreach (var pcap in cell.Artifacts.Where(a => a.EndsWith(".pcap")))
            {
                var read = CaptureFile.Read(Path.Combine(_out, pcap));
                Assert.Null(read.Error);
                Assert.Contains(read.Messages, m => m.Kind == CapturedKind.Stun);
            }
            // The cell's credentials file (for `icespec analyze --credentials`): both drivers' ICE credentials and the TURN user.
            var credentials = new IceSpec.Captures.Credentials.CaptureCredentials();
            Assert.True(credentials.TryLoad(Path.Combine(_out, cell.Artifacts.Single(a => a.EndsWith("credentials"))), out var error), error);
            Assert.Equal(2, credentials.IcePasswords.Count);
            Assert.Single(credentials.TurnUsers);
        });
        // The relay cells' public capture holds the TURN allocations (and the NATed side's private addresses do not appear there).
        var relayCell = report.Cells.First(c => c.Scenario == "both-symmetric-turn");
        var publicTraffic = CaptureFile.Read(Path.Combine(_out, relayCell.Artifacts.First(a => a.EndsWith("public.pcap"))));
        Assert.Contains(publicTraffic.Messages, m => m.Destination.Address.Equals(LabAddressPlan.CoturnAddress) && m.Kind == CapturedKind.Stun);
        Assert.DoesNotContain(publicTraffic.Messages, m => m.Source.Address.ToString().StartsWith("10."));
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }
}
