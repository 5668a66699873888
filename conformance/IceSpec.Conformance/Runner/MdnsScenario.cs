namespace IceSpec.Conformance.Runner;

/// <summary>What an mDNS scenario (<see cref="Scenarios.Scenario.Mdns"/>) checks beyond the pair: the candidates are names.</summary>
public static class MdnsScenario
{
    /// <summary>
    /// draft-ietf-mmusic-mdns-ice-candidates §3.1.1 step 6 and §3.1.2.4: with <c>mdns: true</c> a side's host candidates
    /// carry ".local" names and it signals at least one. Empty when both sides did; otherwise which side signalled
    /// which address instead (or no host candidate).
    /// </summary>
    public static string Unconcealed(params (string Side, IReadOnlyList<string> Lines)[] sides)
    {
        var problems = new List<string>();
        foreach (var (side, lines) in sides)
        {
            // RFC 8839 §5.1: foundation component transport priority connection-address port "typ" type …
            var hosts = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 8 && f[6] == "typ" && f[7] == "host").ToList();
            if (hosts.Count == 0) problems.Add($"{side} signalled no host candidate");
            foreach (var address in hosts.Select(f => f[4]).Where(a => !a.EndsWith(".local", StringComparison.OrdinalIgnoreCase)).Distinct())
                problems.Add($"{side} signalled host address {address}");
        }
        return string.Join("; ", problems);
    }
}
