using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The CI subset: every scenario once (but <see cref="NotInCi"/>), with one ordered pair each, rotating over the bundled drivers so that every driver
/// is the controlling and the controlled agent at least once. Each cell must pass against its prediction, or fail only
/// where the kit's known-failures list (what ./run.sh passes) says an implementation does, with its evidence.
/// </summary>
[Trait("Category", "lab")]
[Collection("lab")]
public sealed class CiSubsetTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("icespec-ci-subset-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    /// <summary>Scenario i runs drivers[i] → drivers[i+1] (mod n): the first 10 scenarios give 5 drivers both roles twice; the fault scenarios after them run IceSpec → IceSpec.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Rotation(IReadOnlyList<string> drivers) =>
        CiScenarios.Select((s, i) => (s.Name, Pair: IceSpecOnlyInCi.Contains(s.Name)
                ? "icespec>icespec"
                : FixedInCi.TryGetValue(s.Name, out var fixedPair) ? fixedPair
                : $"{drivers[i % drivers.Count]}>{drivers[(i + 1) % drivers.Count]}"))
            .ToDictionary(x => x.Name, x => (IReadOnlyList<string>)[x.Pair]);

    /// <summary>
    /// The fault scenarios run IceSpec against itself in CI (a third-party agent may fail them by chance, by design: 0.9 %
    /// of transactions fail at 30 % loss); ./run.sh runs every pair and records the outcomes in conformance/README.md.
    /// </summary>
    private static readonly HashSet<string> IceSpecOnlyInCi = ["nat-timeout-idle", "nat-mapping-deleted"];

    /// <summary>
    /// The ICE-TCP cell runs IceSpec (behind the UDP-blocking NAT, relayed TCP candidates from coturn's TCP allocation,
    /// RFC 6062) against libnice (public, host TCP candidates): only libnice and IceSpec of the bundled drivers have
    /// ice-tcp, and only IceSpec turn-tcp-relay.
    /// tcp-so-through-nats runs IceSpec against itself: no other bundled driver has ice-tcp-so (libnice's TCP candidates
    /// are host active and passive only, and it fails that scenario: known-failures.txt); so does
    /// both-udp-blocked-turn-tcp-relay (both sides need turn-tcp-relay). Each adds ~3–4 s (lab and cell). The mDNS cell
    /// runs pion (controlling) against IceSpec: of the bundled drivers only these two have mdns.
    /// </summary>
    private static readonly Dictionary<string, string> FixedInCi = new()
    {
        ["udp-blocked-turn-tcp-relay"] = "icespec>libnice",
        ["both-udp-blocked-turn-tcp-relay"] = "icespec>icespec",
        ["tcp-so-through-nats"] = "icespec>icespec",
        ["same-lan-mdns"] = "pion>icespec",
    };

    /// <summary>
    /// Not in CI: turn-restart for the budget (its observation lasts up to 36 s, then the ICE restart); lossy-20 and
    /// lossy-30 because third-party pairs fail them at times (werift starts two checks on one pair; IceSpec's own
    /// in-flight finding is settled, see conformance/README.md). ./run.sh runs them. nat-mapping-deleted here includes
    /// its ICE restart (rfc8445-9-10). both-symmetric-no-turn for the budget: it passes only after the whole cell
    /// timeout (20 s) without a pair; pcaps/diagnose keeps its captures. Of the IPv6 scenarios only dual-stack runs in CI
    /// (issue 15's budget: one IPv6 cell); ipv6-only and family-mismatch-turn run on demand (conformance/README.md);
    /// tcp-no-nat and udp-blocked-ice-tcp for the budget too (one ICE-TCP cell is enough in CI: udp-blocked-turn-tcp-relay).
    /// same-lan-mdns-ipv6 and same-lan-mdns-dual-stack neither: MdnsLabTests runs the IPv6-only one (icespec and pion).
    /// </summary>
    public static readonly HashSet<string> NotInCi = ["turn-restart", "lossy-20", "lossy-30", "both-symmetric-no-turn", "ipv6-only", "family-mismatch-turn", "tcp-no-nat", "udp-blocked-ice-tcp",
        "same-lan-mdns-ipv6", "same-lan-mdns-dual-stack"];

    private static IEnumerable<Scenario> CiScenarios => ScenarioCatalog.All.Where(s => !NotInCi.Contains(s.Name));

    [Fact]
    public async Task Every_scenario_and_every_driver_once()
    {
        string[] drivers = ["icespec", "libnice", "aioice", "werift", "pion"];
        var rotation = Rotation(drivers);
        var selection = new RunSelection(drivers, [.. CiScenarios.Select(s => s.Name)], ["default"], [], false,
            KnownFailures.Load(), _out, LabServerKind.Coturn, Pairs: rotation, AgentPlacement: AgentCaseRunner.None);

        var report = await MatrixRunner.RunAsync(selection, null, CancellationToken.None);

        Assert.Empty(report.Errors);
        Assert.Equal(CiScenarios.Count(), report.Cells.Count);
        Assert.All(drivers, d => Assert.Contains(report.Cells, c => c.Controlling == d));
        Assert.All(drivers, d => Assert.Contains(report.Cells, c => c.Controlled == d));
        Assert.All(report.Cells, cell => Assert.True(cell.Outcome is CaseOutcome.Passed or CaseOutcome.ExpectedFailure,
            $"{cell.Scenario} {cell.Pair} {cell.Nomination}: predicted {cell.Predicted}, observed {cell.Observed}; {cell.Detail}; " +
            string.Join("; ", cell.Cases.Where(c => c.Outcome is not (CaseOutcome.Passed or CaseOutcome.ExpectedFailure)).Select(c => $"{c.Case.Id}: {c.Detail}"))));
        Assert.DoesNotContain(LabSweep.ListLabNamespaces(), n => n.StartsWith($"{LabSweep.NamePrefix}{Environment.ProcessId}-"));
    }
}
