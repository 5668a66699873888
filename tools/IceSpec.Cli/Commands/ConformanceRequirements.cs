using IceSpec.Captures;
using IceSpec.Conformance.Lab;
using IceSpec.Conformance.Runner;
using IceSpec.Conformance.Scenarios;

namespace IceSpec.Cli.Commands;

/// <summary>
/// What <c>conformance run</c> needs installed for a selection, looked for before any lab is built: every missing program
/// or library is named at once with the Debian package that provides it (exit 3), rather than cell after cell failing
/// with a process that could not start. scripts/install-deps.sh installs them all.
/// </summary>
internal static class ConformanceRequirements
{
    private sealed record Requirement(string Program, string DebianPackage, string NeededFor);

    private static readonly Requirement Ip = new("ip", "iproute2", "the NAT lab's namespaces and links");
    private static readonly Requirement Nft = new("nft", "nftables", "the NAT lab's NAT and filtering rules");
    private static readonly Requirement Tcpdump = new("tcpdump", "tcpdump", "the ICE cells' captures");
    private static readonly Requirement Conntrack = new("conntrack", "conntrack", "the mid-call fault scenarios, which expire a NAT's mappings");
    private static readonly Requirement Coturn = new("turnserver", "coturn", "coturn as the STUN/TURN server");

    /// <summary>One line per missing dependency of <paramref name="selection"/>; empty when everything is there.</summary>
    public static IReadOnlyList<string> Missing(RunSelection selection)
    {
        var needed = new List<Requirement>();
        var iceCells = selection.Scenarios.Count > 0;
        var agentCasesInLab = selection.AgentPlacement is not (AgentCaseRunner.Loopback or AgentCaseRunner.None);
        if (iceCells || agentCasesInLab) needed.AddRange([Ip, Nft]);
        if (iceCells) needed.Add(Tcpdump);
        if (selection.Scenarios.Any(name => ScenarioCatalog.Find(name)?.MidCall is not null)) needed.Add(Conntrack);
        if ((iceCells && selection.Server == LabServerKind.Coturn) || (selection.ServerCaseTargets ?? []).Contains(LabServerKind.Coturn))
            needed.Add(Coturn);

        var missing = needed.Where(r => !OnPath(r.Program))
            .Select(r => $"{r.Program} ({r.NeededFor}): apt-get install {r.DebianPackage}").ToList();
        if (!NativeLibpcap.IsLoadable)
            missing.Add($"the native library libpcap (libpcap.so.0.8: every pcap the run writes and judges): apt-get install {NativeLibpcap.DebianPackage}");
        return missing;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(directory => File.Exists(Path.Combine(directory, program)));
}
