using System.Text.Json.Nodes;

namespace IceSpec.Conformance.Adapter;

/// <summary>
/// Runs one ICE session between two drivers: configure roles, gather, exchange descriptions (all at once, or trickled
/// per RFC 8838), wait for both selected pairs, send <see cref="IcePairOptions.Datagrams"/> unique payloads each way and
/// compare the bytes received, close both. Driver failures become a <see cref="IcePairResult"/>, never an exception
/// (except cancellation through <c>ct</c>).
/// </summary>
public static class IcePairRun
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static async Task<IcePairResult> RunAsync(DriverSpec controlling, DriverSpec controlled, IcePairOptions options, CancellationToken ct)
    {
        DriverProcess? a = null, b = null;
        try
        {
            a = await DriverProcess.StartAsync(controlling, new DriverStartOptions(options.ControllingNamespace, TranscriptPath: options.ControllingTranscript), ct);
            b = await DriverProcess.StartAsync(controlled, new DriverStartOptions(options.ControlledNamespace, TranscriptPath: options.ControlledTranscript), ct);
            await Task.WhenAll(a.WaitForEventAsync("ready", StartTimeout, ct), b.WaitForEventAsync("ready", StartTimeout, ct));
            var session = await IcePairSession.ConnectAsync(a, b, options, ct);
            var result = await session.ExchangeAsync(ct);
            if (options.MidCall is { } midCall) result = result with { MidCall = await session.MidCallAsync(midCall, ct) };
            var closing = await CloseAsync(a, ct) + await CloseAsync(b, ct);
            return closing.Length == 0 ? result : result with { Detail = result.Detail + closing };
        }
        catch (DriverException e)
        {
            return Ended(e.IsUnsupported ? IcePairOutcome.Unsupported : IcePairOutcome.Failed, e.Message, a, b);
        }
        catch (IcePairFailedException e)
        {
            return Ended(IcePairOutcome.Failed, e.Message, a, b);
        }
        finally
        {
            if (a is not null) await a.DisposeAsync();
            if (b is not null) await b.DisposeAsync();
        }
    }

    private static IcePairResult Ended(IcePairOutcome outcome, string detail, DriverProcess? a, DriverProcess? b) =>
        new(outcome, detail, LastSelectedPair(a), LastSelectedPair(b), 0, 0, TimeSpan.Zero, a?.StandardError ?? "", b?.StandardError ?? "")
        {
            ControllingStates = States(a), ControlledStates = States(b), ControllingCredentials = Credentials(a), ControlledCredentials = Credentials(b),
            ControllingCandidates = SignalledCandidates(a), ControlledCandidates = SignalledCandidates(b),
        };

    internal static IReadOnlyList<string> States(DriverProcess? driver) =>
        driver?.Events.Where(e => (string?)e["event"] == "state").Select(e => (string?)e["state"] ?? "").ToList() ?? [];

    internal static string? Credentials(DriverProcess? driver)
    {
        var e = driver?.Events.FirstOrDefault(x => (string?)x["event"] is "local-credentials" or "local-description");
        return e is null ? null : $"{(string?)e["ufrag"]}:{(string?)e["pwd"]}";
    }

    /// <summary>The candidate lines the driver signalled: trickled ones and those of its first <c>local-description</c>.</summary>
    internal static IReadOnlyList<string> SignalledCandidates(DriverProcess? driver)
    {
        if (driver is null) return [];
        var lines = driver.Events.Where(e => (string?)e["event"] == "candidate").Select(e => (string?)e["line"] ?? "").ToList();
        if (driver.Events.FirstOrDefault(e => (string?)e["event"] == "local-description")?["candidates"] is System.Text.Json.Nodes.JsonArray all)
            lines.AddRange(all.Select(c => (string?)c ?? "").Where(c => !lines.Contains(c)));
        return lines;
    }

    internal static SelectedPair? LastSelectedPair(DriverProcess? driver) =>
        driver?.Events.LastOrDefault(x => (string?)x["event"] == "selected-pair") is { } e ? PairOf(e) : null;

    /// <summary>A <c>selected-pair</c> event as a <see cref="SelectedPair"/>.</summary>
    internal static SelectedPair PairOf(JsonObject e) => new((string?)e["local"] ?? "", (string?)e["remote"] ?? "",
        (string?)e["localType"] ?? "", (string?)e["remoteType"] ?? "", (string?)e["transport"], (string?)e["localTcpType"], (string?)e["remoteTcpType"]);

    private static async Task<string> CloseAsync(DriverProcess driver, CancellationToken ct)
    {
        try
        {
            await driver.SendAsync(new JsonObject { ["command"] = "close" }, ct);
            await driver.WaitForEventAsync("closed", CloseTimeout, ct);
            return "";
        }
        catch (DriverException e)
        {
            return $"; close {driver.Name}: {e.Message.Split('\n')[0]}";
        }
    }
}

/// <summary>The session ended without a selected pair on both sides (a driver reported <c>failed</c>, or time ran out).</summary>
internal sealed class IcePairFailedException(string message) : Exception(message);
