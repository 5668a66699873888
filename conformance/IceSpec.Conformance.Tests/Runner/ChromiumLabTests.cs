using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Agent;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The browser in the NAT lab, two cells for CI (the whole browser matrix runs with ./run.sh; conformance/README.md):
/// two browsers without NAT, data both ways over their data channel; IceSpec and the browser behind two symmetric NATs,
/// relayed through coturn, judged on ICE alone (no data channel between them); and the browser with its default mDNS
/// host candidates against IceSpec's on one LAN (same-lan-mdns, issue 17); agent cases with the browser controlled,
/// which it can be only as an answerer (capability answerer: the tester describes itself first); and the restart agent
/// cases with the browser in both roles.
/// </summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class ChromiumLabTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-chromium-lab-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task Two_browsers_connect_through_the_lab_and_the_browser_relays_through_coturn_for_IceSpec()
    {
        var pairs = new Dictionary<string, IReadOnlyList<string>> { ["no-nat"] = ["chromium>chromium"], ["both-symmetric-turn"] = ["icespec>chromium"] };
        var selection = new RunSelection(["chromium", "icespec"], ["no-nat", "both-symmetric-turn"], ["default"], [], false, KnownFailures.Load(), _out,
            LabServerKind.Coturn, Pairs: pairs, AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(2, report.Cells.Count);
        Assert.All(report.Cells, cell => Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
            $"{cell.Scenario} {cell.Pair}: {cell.Detail}; {string.Join("; ", cell.Cases.Where(c => c.Outcome is not (CaseOutcome.Passed or CaseOutcome.ExpectedFailure)).Select(c => $"{c.Case.Id}: {c.Detail}"))}"));

        var browsers = report.Cells.Single(c => c.Scenario == "no-nat");
        Assert.Equal(PairKind.Host, browsers.Observed);
        Assert.Contains(browsers.Cases, c => c.Case.Id == IceCases.DataFlows.Id && c.Outcome == CaseOutcome.Passed);

        var relayed = report.Cells.Single(c => c.Scenario == "both-symmetric-turn");
        Assert.Equal(PairKind.Relay, relayed.Observed);
        Assert.DoesNotContain(relayed.Cases, c => c.Case.Id == IceCases.DataFlows.Id);
        Assert.Contains("ICE only: chromium sends data only over a DTLS data channel, which icespec does not offer", relayed.Detail);
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }

    [Fact]
    public async Task The_browser_and_IceSpec_reach_each_other_through_their_mDNS_names_on_one_LAN()
    {
        var pairs = new Dictionary<string, IReadOnlyList<string>> { ["same-lan-mdns"] = ["chromium>icespec"] };
        var selection = new RunSelection(["chromium", "icespec"], ["same-lan-mdns"], ["default"], [], false, KnownFailures.Load(), _out,
            LabServerKind.Coturn, Pairs: pairs, AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        var cell = Assert.Single(report.Cells);
        // The predicted-pair case also fails a side that signals a host address instead of a .local name (MdnsScenario).
        Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
            $"{cell.Detail}; {string.Join("; ", cell.Cases.Where(c => c.Outcome is not (CaseOutcome.Passed or CaseOutcome.ExpectedFailure)).Select(c => $"{c.Case.Id}: {c.Detail}"))}");
        Assert.Equal(PairKind.Host, cell.Observed);
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }

    [Fact]
    public async Task A_controlled_browser_runs_the_agent_cases_only_when_the_tester_describes_itself_first()
    {
        var chromium = DriverRegistry.Get("chromium");
        var offersFirst = chromium with { Name = "chromium-not-answerer", Capabilities = [.. chromium.Capabilities.Where(c => c != DriverCapabilities.Answerer)] };
        DriverRegistry.Register(offersFirst, ct => DriverRegistry.PrepareAsync(chromium, ct));
        string[] cases = ["rfc8445-7.2.2-2", "rfc8445-6.1.1-1"];   // the browser controlled: its checks' USERNAME; facing a lite tester
        var selection = new RunSelection([chromium.Name, offersFirst.Name], [], ["default"], cases, false, null, _out,
            AgentPlacement: "no-nat", AgentNominations: ["default"]);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(4, report.AgentCases.Count);
        Assert.All(report.AgentCases.Where(r => r.Implementation.StartsWith(chromium.Name + "/")), r =>
        {
            Assert.True(r.Outcome == CaseOutcome.Passed, $"{r.Case.Id}: {r.Detail}");
            Assert.StartsWith(AgentCaseSuite.AnswererNote, r.Detail);
        });
        // Declared without answerer, the browser is waited for before the tester describes itself: it never answers.
        Assert.All(report.AgentCases.Where(r => r.Implementation.StartsWith(offersFirst.Name + "/")), r =>
        {
            Assert.True(r.Outcome == CaseOutcome.Failed, $"{r.Case.Id}: {r.Outcome} {r.Detail}");
            Assert.Contains("local-description", r.Detail);
        });
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }

    /// <summary>
    /// The ICE restart agent cases with the browser as the IUT in no-nat (RFC 8445 §9): its own restart changes both the
    /// ufrag and the password (rfc8445-9-1); after the tester restarts (new credentials, a new socket) its checks to the
    /// new candidate use the new ones as controlling and as controlled (answering) agent (9-2, 9-3), keep its role (9-4,
    /// 9-5), also for a candidate trickled after the restart (9-6).
    /// </summary>
    [Fact]
    public async Task The_browser_passes_the_ICE_restart_agent_cases_in_both_roles()
    {
        string[] restartCases = ["rfc8445-9-1", "rfc8445-9-2", "rfc8445-9-3", "rfc8445-9-4", "rfc8445-9-5", "rfc8445-9-6"];
        var selection = new RunSelection(["chromium"], [], ["default"], restartCases, false, KnownFailures.Load(), _out,
            ServerCaseTargets: [], AgentPlacement: "no-nat", AgentNominations: ["default"]);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(restartCases, report.AgentCases.Select(r => r.Case.Id).Order());
        Assert.All(report.AgentCases, r => Assert.True(r.Outcome == CaseOutcome.Passed, $"{r.Case.Id}: {r.Detail}"));
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }
}
