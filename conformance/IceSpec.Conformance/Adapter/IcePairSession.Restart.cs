using System.Text;
using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Adapter;

// The way back after a mid-call fault: an ICE restart driven through both drivers (RFC 8445 §9, conformance/ADAPTER.md).
internal sealed partial class IcePairSession
{
    /// <summary>
    /// The ICE restart after the fault (<see cref="IceRestartOptions"/>, RFC 8445 §9): the controlling driver restarts, the
    /// controlled one restarts on its new credentials, each gets the other's new description; then the new selected pairs
    /// and datagrams each way (none between a browser and a driver without a data channel: ADAPTER.md "Data"). A driver that
    /// answers <c>unsupported</c>, exits or stays silent is the result's problem.
    /// </summary>
    private async Task<IceRestartResult> RestartAsync(IceRestartOptions restart, DateTimeOffset fault, (int A, int B) sinceFault, CancellationToken ct)
    {
        var timeout = _options.Timeout ?? IcePairOptions.DefaultTimeout;
        bool reallocatedA = false, reallocatedB = false;
        var mark = (A: _a.Events.Count, B: _b.Events.Count);
        var restartedAt = DateTimeOffset.UtcNow;
        DateTimeOffset? described = null;
        JsonObject? newA = null, newB = null, selectedA = null, selectedB = null;
        var (toB, toA) = (0, 0);
        var datagrams = DataNotExchanged(_a, _b) is null ? restart.Datagrams : 0;
        string? problem = null;
        try
        {
            if (restart.AwaitReallocation > TimeSpan.Zero)
            {
                // RFC 8656 §7 leaves it to the TURN client to notice the lost allocation; the kit gives each until the deadline.
                var deadline = fault + restart.AwaitReallocation;
                var (a, b) = (WaitAfterAsync(_a, sinceFault.A, "relay-reallocated", deadline, ct), WaitAfterAsync(_b, sinceFault.B, "relay-reallocated", deadline, ct));
                await Task.WhenAll(a, b);
                (reallocatedA, reallocatedB) = (a.Result is not null, b.Result is not null);
            }
            mark = (_a.Events.Count, _b.Events.Count);
            restartedAt = DateTimeOffset.UtcNow;
            await _a.SendAsync(new JsonObject { ["command"] = "restart" }, ct);
            newA = await WaitAfterAsync(_a, mark.A, "local-description", restartedAt + timeout, ct);
            if (newA is null)
                problem = $"{_a.Name} (controlling) printed no new local-description within {timeout.TotalSeconds:0} s of the restart command";
            else
            {
                await _b.SendAsync(Description(newA, Candidates(newA, _options.ControllingOffersTcpType), endOfCandidates: true), ct);
                newB = await WaitAfterAsync(_b, mark.B, "local-description", DateTimeOffset.UtcNow + timeout, ct);
                if (newB is null)
                    problem = $"{_b.Name} (controlled) printed no new local-description within {timeout.TotalSeconds:0} s of the controlling agent's new credentials: it did not restart";
                else
                {
                    described = DateTimeOffset.UtcNow;  // taken before sending: checks may start at once
                    await _a.SendAsync(Description(newB, Candidates(newB, _options.ControlledOffersTcpType), endOfCandidates: true), ct);
                    var (a, b) = (WaitAfterAsync(_a, mark.A, "selected-pair", described.Value + restart.Bound, ct), WaitAfterAsync(_b, mark.B, "selected-pair", described.Value + restart.Bound, ct));
                    await Task.WhenAll(a, b);
                    (selectedA, selectedB) = (a.Result, b.Result);
                    if (selectedA is not null && selectedB is not null)
                    {
                        var fromA = Enumerable.Range(1, datagrams).Select(i => Encoding.UTF8.GetBytes($"restarted {_a.Name} #{i} {Guid.NewGuid():N}")).ToList();
                        var fromB = Enumerable.Range(1, datagrams).Select(i => Encoding.UTF8.GetBytes($"restarted {_b.Name} #{i} {Guid.NewGuid():N}")).ToList();
                        foreach (var (x, y) in fromA.Zip(fromB))
                        {
                            await Send(_a, x, ct);
                            await Send(_b, y, ct);
                        }
                        (toB, toA) = (await CountReceivedAsync(_b, fromA, ct), await CountReceivedAsync(_a, fromB, ct));
                    }
                }
            }
        }
        catch (DriverException e)
        {
            problem = (e.IsUnsupported ? $"{e.Driver} answered unsupported: " : "") + e.Message.Split('\n')[0];
        }
        IceRestartSide Side(DriverProcess driver, int from, JsonObject? description, bool reallocated, JsonObject? selected) => new(
            driver.Name, CredentialsOf(LastBefore(driver, from, "local-description")), CredentialsOf(description),
            RelayedOf(LastBefore(driver, from, "local-description")), description is null ? null : RelayedOf(description), reallocated,
            selected is null ? null : IcePairRun.PairOf(selected), selected is null || described is null ? null : ReceivedAt(selected) - described.Value,
            [.. driver.Events.Skip(from).Select(e => Evidence(e, restartedAt)).OfType<string>()]);
        return new IceRestartResult(Side(_a, mark.A, newA, reallocatedA, selectedA), Side(_b, mark.B, newB, reallocatedB, selectedB),
            restart.Bound, toB, toA, datagrams, problem);
    }

    /// <summary>The first <paramref name="name"/> event from index <paramref name="from"/> on, or null when none came by the deadline (an exit or <c>unsupported</c> throws).</summary>
    private static async Task<JsonObject?> WaitAfterAsync(DriverProcess driver, int from, string name, DateTimeOffset deadline, CancellationToken ct)
    {
        for (var index = from; ; index++)
        {
            JsonObject e;
            try { e = await driver.WaitForEventAtAsync(index, Remaining(deadline), ct); }
            catch (DriverException x) when (x.ExitCode is null && !x.IsUnsupported) { return null; }   // the deadline passed
            if ((string?)e["event"] == name) return e;
        }
    }

    private static JsonObject? LastBefore(DriverProcess driver, int index, string name) =>
        driver.Events.Take(index).LastOrDefault(e => (string?)e["event"] == name);

    private static string? CredentialsOf(JsonObject? description) =>
        description is null ? null : $"{(string?)description["ufrag"]}:{(string?)description["pwd"]}";

    private static List<string> Candidates(JsonObject description, string? offeredTcpType) =>
        [.. (description["candidates"] as JsonArray ?? []).Select(c => (string?)c ?? "").Where(c => Offered(c, offeredTcpType))];

    /// <summary>The <c>ip:port</c> of each relayed candidate of a description (RFC 8839 §5.1: foundation, component, transport, priority, address, port, "typ", type).</summary>
    private static List<string> RelayedOf(JsonObject? description) =>
        description is null ? [] : [.. Candidates(description, null).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 8 && f[6] == "typ" && f[7] == "relay").Select(f => $"{f[4]}:{f[5]}")];

    /// <summary>One event of the restart as evidence, with its time since the restart command; null for datagrams.</summary>
    private static string? Evidence(JsonObject e, DateTimeOffset since)
    {
        var name = (string?)e["event"];
        var what = name switch
        {
            "state" => $"state {(string?)e["state"]}",
            "selected-pair" => $"selected-pair {IcePairRun.PairOf(e)}",
            "local-credentials" => $"local-credentials {(string?)e["ufrag"]}",
            "local-description" => $"local-description {(string?)e["ufrag"]} with {Candidates(e, null).Count} candidates" +
                (RelayedOf(e) is { Count: > 0 } relayed ? $" (relay {string.Join(", ", relayed)})" : " (no relayed one)"),
            "relay-lost" => $"relay-lost {(string?)e["reason"]}",
            "relay-reallocated" => $"relay-reallocated {(string?)e["line"]}",
            "error" => $"error {(string?)e["message"]}",
            "unsupported" => $"unsupported {(string?)e["command"]}",
            "invalid-output" => $"invalid-output {(string?)e["line"]}",
            _ => null,
        };
        return what is null ? null : $"+{(ReceivedAt(e) - since).TotalSeconds:0.0} s {what}";
    }
}
