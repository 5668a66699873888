using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using IceSpec.Conformance.Cases;
using IceSpec.Conformance.Cases.Server;
using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Runner;

/// <summary>What a run covers and where it writes; the command line of <c>icespec conformance run</c>.</summary>
/// <param name="Implementations">The drivers (by name) whose ordered pairs run.</param>
/// <param name="Scenarios">The NAT-lab scenarios the cells run in.</param>
/// <param name="Nominations">The nomination modes of the cells.</param>
/// <param name="CasePatterns">Globs over case IDs (<c>rfc8445-*</c>); empty = every case.</param>
/// <param name="Strict">Also run SHOULD cases.</param>
/// <param name="ExpectedFailures">Known failures: <c>CASE-ID TARGET REASON</c> lines, TARGET a server name (coturn, icespec) or an ICE cell <c>SCENARIO/CONTROLLING&gt;CONTROLLED</c> (globs allowed).</param>
/// <param name="OutputDirectory">Where the reports, pcaps and logs go.</param>
/// <param name="Server">The STUN/TURN server the ICE scenarios use.</param>
/// <param name="CellTimeout">How long each ICE cell may take to connect; null = the scenario's own (<see cref="Scenarios.Scenario.ConnectTimeout"/>), else 20 s.</param>
/// <param name="Pairs">Only these ordered pairs (<c>controlling&gt;controlled</c>), per scenario name or <c>*</c> for all; null = every pair.</param>
/// <param name="ServerCaseTargets">The servers the black-box server cases run against (none: no server cases).</param>
/// <param name="AgentPlacement">Where the ICE agent cases run: <c>loopback</c>, a scenario's lab (IUT on its controlling host,
/// tester on its controlled host) or <c>none</c>.</param>
/// <param name="AgentNominations">The nomination modes each implementation runs the agent cases with (resolved per driver as
/// for cells; a mode the driver lacks is skipped): by default its own and aggressive.</param>
public sealed record RunSelection(
    IReadOnlyList<string> Implementations,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Nominations,
    IReadOnlyList<string> CasePatterns,
    bool Strict,
    ExpectedFailures? ExpectedFailures,
    string OutputDirectory,
    LabServerKind Server = LabServerKind.Coturn,
    IReadOnlyList<LabServerKind>? ServerCaseTargets = null,
    TimeSpan? CellTimeout = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Pairs = null,
    string AgentPlacement = "loopback",
    IReadOnlyList<string>? AgentNominations = null)
{
    public IReadOnlyList<string> AgentNominations { get; init; } = AgentNominations ?? ["default", "aggressive"];

    /// <summary>
    /// ICE cells trickle (RFC 8838) where both drivers declare <c>trickle</c> (<see cref="Adapter.IcePairOptions.Trickle"/>):
    /// the time to connected then runs from the credentials, so the drivers' gathering is in it. Off by default.
    /// </summary>
    public bool Trickle { get; init; }

    /// <summary>This run's slice of the work (<c>--shard K/N</c>, K from 1); 1/1 is everything.</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Whether <paramref name="unit"/> (a cell, an agent case run, a server case run) belongs to this run's shard.</summary>
    public bool InShard(string unit) => Shard.Contains(unit);

    /// <summary>Nomination modes (RFC 8445 §8.1.1); <c>default</c> is regular when the controlling driver declares it, else aggressive.</summary>
    public static readonly IReadOnlyList<string> NominationModes = ["default", "regular", "aggressive"];

    /// <summary>The mode a cell runs with: <paramref name="requested"/>, or for <c>default</c> the controlling driver's.</summary>
    public static string EffectiveNomination(string requested, Adapter.DriverSpec controlling) =>
        requested != "default" ? requested : controlling.Supports("regular") ? "regular" : "aggressive";

    public IReadOnlyList<LabServerKind> ServerCaseTargets { get; init; } = ServerCaseTargets ?? [];

    /// <summary>Whether the ordered pair runs in <paramref name="scenario"/> (see <see cref="Pairs"/>).</summary>
    public bool SelectsPair(string scenario, string controlling, string controlled)
    {
        if (Pairs is null) return true;
        var pair = $"{controlling}>{controlled}";
        return (Pairs.TryGetValue(scenario, out var here) && here.Contains(pair)) || (Pairs.TryGetValue("*", out var all) && all.Contains(pair));
    }

    /// <summary>Whether <paramref name="info"/> is selected by level (SHOULD only with --strict) and by the case patterns.</summary>
    public bool Selects(CaseInfo info) =>
        (Strict || info.Level == RequirementLevel.Must) &&
        (CasePatterns.Count == 0 || CasePatterns.Any(p => Regex.IsMatch(info.Id, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$")));
}

/// <summary>
/// A deterministic slice of a run (<c>--shard K/N</c>): every unit of work — an ICE cell, one agent case against one
/// implementation and nomination, one server case against one server — belongs to exactly one of the N shards, by a
/// stable hash of its name (XxHash32: the same in every process and on every machine), so that N jobs of a CI matrix
/// run disjoint slices whose union is the whole run (<c>icespec conformance merge</c> joins their reports).
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(1, 1);

    public bool Contains(string unit) =>
        Count <= 1 || XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(unit)) % (uint)Count == (uint)(Index - 1);

    /// <summary>Parses <c>K/N</c> with 1 ≤ K ≤ N ≤ 1000.</summary>
    public static bool TryParse(string text, out Shard shard, out string error)
    {
        shard = Whole;
        error = "";
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var index) || !int.TryParse(parts[1], out var count))
        {
            error = $"--shard takes K/N (e.g. 2/4), not '{text}'";
            return false;
        }
        if (count is < 1 or > 1000 || index < 1 || index > count)
        {
            error = $"--shard {text}: K must be 1..N and N 1..1000";
            return false;
        }
        shard = new Shard(index, count);
        return true;
    }

    public override string ToString() => $"{Index}/{Count}";
}
