using System.Net;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Conformance.Tester;

/// <summary>The IUT's local description as its driver printed it (RFC 8839 lines, parsed).</summary>
public sealed record IutDescription(IceCredentials Credentials, IReadOnlyList<string> Lines, IReadOnlyList<IceCandidate> Candidates)
{
    /// <summary>The UDP host candidates, as endpoints the tester can send to (RFC 8445 §7.3: the IUT listens on their bases).</summary>
    public IReadOnlyList<IPEndPoint> UdpHosts => [.. Candidates
        .Where(c => c.Transport == IceTransport.Udp && c.Type == IceCandidateType.Host && c.Address.IPAddress is not null)
        .Select(c => new IPEndPoint(c.Address.IPAddress!, c.Port))];

    /// <summary>The candidate the IUT advertised at <paramref name="address"/>, or null.</summary>
    public IceCandidate? At(IPEndPoint address) => Candidates.FirstOrDefault(c =>
        c.Address.IPAddress is { } ip && ip.Equals(address.Address) && c.Port == address.Port);
}

/// <summary>
/// The implementation under test, driven through its driver (conformance/ADAPTER.md) as the kit drives any ICE agent:
/// configure, gather, the tester's description, trickled candidates, data; its events read back as they come.
/// </summary>
public sealed class IutDriver : IAsyncDisposable
{
    private readonly DriverProcess _process;

    private IutDriver(DriverProcess process) => _process = process;

    public static async Task<IutDriver> StartAsync(DriverSpec driver, DriverStartOptions options, CancellationToken ct) =>
        new(await DriverProcess.StartAsync(driver, options, ct));

    public string Name => _process.Name;
    public DriverProcess Process => _process;
    public string Log => _process.StandardError;

    public Task ConfigureAsync(string role, string nomination, IReadOnlyList<string> addresses, string transports, CancellationToken ct, bool tcpSimultaneousOpen = false)
    {
        var command = new JsonObject
        {
            ["command"] = "configure", ["role"] = role, ["nomination"] = nomination,
            ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode?)a)]),
        };
        if (transports != "udp") command["transports"] = transports;
        if (tcpSimultaneousOpen) command["tcp-so"] = true;
        return _process.SendAsync(command, ct);
    }

    /// <summary>Starts gathering; the complete local description follows through <see cref="NextDescriptionAsync"/>.</summary>
    public Task SendGatherAsync(CancellationToken ct) => _process.SendAsync(new JsonObject { ["command"] = "gather" }, ct);

    /// <summary>
    /// Asks the IUT to restart ICE (RFC 8445 §9; conformance/ADAPTER.md <c>restart</c>); its new generation's description
    /// follows through <see cref="NextDescriptionAsync"/>.
    /// </summary>
    public Task SendRestartAsync(CancellationToken ct) => _process.SendAsync(new JsonObject { ["command"] = "restart" }, ct);

    /// <summary>
    /// The next <c>local-description</c> event not returned yet: the gathered one first, then one per ICE restart (the
    /// IUT's own, or the one a peer's new credentials cause).
    /// </summary>
    public async Task<IutDescription> NextDescriptionAsync(TimeSpan timeout, CancellationToken ct)
    {
        var e = await _process.WaitForEventAsync("local-description", timeout, ct);
        var lines = ((JsonArray?)e["candidates"] ?? []).Select(c => (string)c!).ToList();
        var candidates = new List<IceCandidate>();
        foreach (var line in lines)
        {
            var text = line.StartsWith("a=", StringComparison.Ordinal) ? line[2..] : line;
            if (!IceCandidate.TryParse(text, out var candidate, out var error))
                throw new IutException($"the IUT's local-description has a candidate line RFC 8839 §5.1 does not allow: '{line}' ({error})");
            candidates.Add(candidate!);
        }
        return new IutDescription(new IceCredentials((string?)e["ufrag"] ?? "", (string?)e["pwd"] ?? ""), lines, candidates);
    }

    public Task SendRemoteDescriptionAsync(IceCredentials tester, IEnumerable<string> candidates, bool endOfCandidates, bool lite, CancellationToken ct)
    {
        var command = new JsonObject
        {
            ["command"] = "remote-description", ["ufrag"] = tester.Ufrag, ["pwd"] = tester.Password,
            ["candidates"] = new JsonArray([.. candidates.Select(c => (JsonNode?)c)]),
            ["end-of-candidates"] = endOfCandidates,
        };
        if (lite) command["lite"] = true;
        return _process.SendAsync(command, ct);
    }

    public Task SendRemoteCandidateAsync(string line, CancellationToken ct) =>
        _process.SendAsync(new JsonObject { ["command"] = "remote-candidate", ["line"] = line }, ct);

    public Task SendEndOfCandidatesAsync(CancellationToken ct) =>
        _process.SendAsync(new JsonObject { ["command"] = "end-of-candidates" }, ct);

    public Task SendDataAsync(byte[] data, CancellationToken ct) =>
        _process.SendAsync(new JsonObject { ["command"] = "send", ["data"] = Convert.ToBase64String(data) }, ct);

    /// <summary>The first <c>selected-pair</c> event within <paramref name="timeout"/>, or null (a <c>failed</c> state ends the wait).</summary>
    public async Task<SelectedPair?> WaitSelectedPairAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var index = 0; ; index++)
        {
            JsonObject e;
            try
            {
                e = await _process.WaitForEventAtAsync(index, Remaining(deadline), ct);
            }
            catch (DriverException failure) when (!failure.IsUnsupported && _process.ExitCode is null)
            {
                return null;   // no such event in time
            }
            if ((string?)e["event"] == "selected-pair") return SelectedPairOf(e);
            if ((string?)e["event"] == "state" && (string?)e["state"] == "failed") return null;
        }
    }

    public SelectedPair? LastSelectedPair => IcePairRun.LastSelectedPair(_process);

    /// <summary>Every <c>selected-pair</c> event so far, in order: a selection may change (RFC 8445 §8.1.1, several nominations).</summary>
    public IReadOnlyList<SelectedPair> SelectedPairs => [.. _process.Events.Where(e => (string?)e["event"] == "selected-pair").Select(SelectedPairOf)];

    /// <summary>
    /// The first <c>selected-pair</c> event after the <paramref name="known"/> already reported, or null when none comes
    /// within <paramref name="timeout"/>.
    /// </summary>
    public async Task<SelectedPair?> WaitNextSelectedPairAsync(int known, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var pairs = SelectedPairs;
            if (pairs.Count > known) return pairs[known];
            if (DateTime.UtcNow >= deadline) return null;
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The <c>state</c> values reported so far.</summary>
    public IReadOnlyList<string> States => IcePairRun.States(_process);

    /// <summary>The payloads of the <c>received</c> events so far.</summary>
    public IReadOnlyList<byte[]> Received => [.. _process.Events.Where(e => (string?)e["event"] == "received")
        .Select(e => Convert.FromBase64String((string?)e["data"] ?? ""))];

    /// <summary>Waits until the driver reported data equal to <paramref name="payload"/>.</summary>
    public async Task<bool> WaitReceivedAsync(byte[] payload, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Received.Any(r => r.AsSpan().SequenceEqual(payload))) return true;
            await Task.Delay(20, ct);
        }
        return Received.Any(r => r.AsSpan().SequenceEqual(payload));
    }

    /// <summary>Error events the driver printed (a command it refused, a send without a pair…).</summary>
    public IReadOnlyList<string> Errors => [.. _process.Events.Where(e => (string?)e["event"] == "error").Select(e => (string?)e["message"] ?? "")];

    private static SelectedPair SelectedPairOf(JsonObject e) => new((string?)e["local"] ?? "", (string?)e["remote"] ?? "",
        (string?)e["localType"] ?? "", (string?)e["remoteType"] ?? "", (string?)e["transport"], (string?)e["localTcpType"], (string?)e["remoteTcpType"]);

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _process.SendAsync(new JsonObject { ["command"] = "close" }, quick.Token);
            await _process.WaitForEventAsync("closed", TimeSpan.FromSeconds(2), quick.Token);
        }
        catch (Exception e) when (e is DriverException or OperationCanceledException)
        {
            // killed by PID below
        }
        await _process.DisposeAsync();
    }
}

/// <summary>The IUT did something the case cannot work with (a malformed description): the case fails with this text.</summary>
public sealed class IutException(string message) : Exception(message);
