using System.Diagnostics;
using System.Net;
using System.Text;

namespace IceSpec.Ice.Benchmarks;

/// <summary>
/// Many <see cref="IceSession"/> pairs in this process on 127.0.0.1: host candidates only, one controlling and one
/// controlled per pair, descriptions handed over in memory. All pairs start at once. Each session's events are
/// watched for consent refreshes (RFC 7675 §5.1) and for leaving the connected states (Disconnected = consent
/// expired, Failed), which are reported as losses. Shared by the soak benchmark and the CI test
/// (runtime/IceSpec.Ice.Tests/Session/IceSessionFleetTests.cs).
/// </summary>
internal sealed class SessionFleet
{
    private readonly List<Member> _members = [];
    private readonly HashSet<int> _ports = [];

    private SessionFleet(int pairs) => Pairs = pairs;

    public int Pairs { get; }

    public int Sessions => _members.Count;

    /// <summary>Per connected session: ms from its pair's first <see cref="IceSession.Create"/> to its <see cref="IceSession.ConnectAsync"/>.</summary>
    public IReadOnlyList<double> ConnectMs => _members.Where(m => m.ConnectedMs is not null).Select(m => m.ConnectedMs!.Value).ToList();

    /// <summary>Sessions that had not connected when <see cref="ConnectAsync"/> returned, with why.</summary>
    public IReadOnlyList<string> NotConnected => _members.Where(m => m.ConnectedMs is null).Select(m => $"{m.Name}: {m.ConnectError ?? "no selected pair"}").ToList();

    /// <summary>Successful consent checks over all sessions (RFC 7675 §5.1: each refreshed consent for 30 s).</summary>
    public long ConsentRefreshes => _members.Sum(m => Interlocked.Read(ref m.ConsentRefreshes));

    /// <summary>Successful consent checks per session, by name ("pair 7 controlled").</summary>
    public IReadOnlyDictionary<string, long> ConsentRefreshesBySession => _members.ToDictionary(m => m.Name, m => Interlocked.Read(ref m.ConsentRefreshes));

    /// <summary>Every session that left Connected/Completed (consent expired → Disconnected, or Failed), with when.</summary>
    public IReadOnlyList<string> Losses => _members.SelectMany(m =>
    {
        lock (m.Losses) return m.Losses.ToList();
    }).ToList();

    /// <summary>The UDP ports of every session's host candidates: none may stay open after disposal.</summary>
    public IReadOnlyCollection<int> Ports => _ports;

    /// <summary>Creates <paramref name="pairs"/> pairs at once and waits until each is connected or <paramref name="limit"/> passed.</summary>
    public static async Task<SessionFleet> ConnectAsync(int pairs, TimeSpan limit)
    {
        var fleet = new SessionFleet(pairs);
        using var timeout = new CancellationTokenSource(limit);
        var connecting = new List<Task>();
        for (var i = 0; i < pairs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var controlling = fleet.Add($"pair {i} controlling", IceRole.Controlling);
            var controlled = fleet.Add($"pair {i} controlled", IceRole.Controlled);
            connecting.Add(ConnectPairAsync(fleet, controlling, controlled, start, timeout.Token));
        }
        await Task.WhenAll(connecting);
        return fleet;
    }

    /// <summary>One datagram each way over every connected pair, checked on arrival; returns the failures.</summary>
    public async Task<IReadOnlyList<string>> ExchangeDataAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var pairs = _members.Chunk(2).Where(p => p[0].Session is not null && p[1].Session is not null && p[0].ConnectedMs is not null && p[1].ConnectedMs is not null);
        var results = await Task.WhenAll(pairs.SelectMany(p => new[] { Datagram(p[0], p[1], timeout.Token), Datagram(p[1], p[0], timeout.Token) }));
        return results.OfType<string>().ToList();
    }

    /// <summary>
    /// Misbehaviour for the test that shows consent losses are reported: the controlled side of the first
    /// <paramref name="count"/> pairs is disposed, so its controlling side's consent checks go unanswered and consent
    /// must expire 30 s after the last answer (RFC 7675 §5.1).
    /// </summary>
    public async Task SilenceControlledPeersAsync(int count)
    {
        foreach (var member in _members.Where(m => m.Role == IceRole.Controlled).Take(count)) await member.DisposeAsync();
    }

    /// <summary>
    /// Disposes every session (all at once) but the last <paramref name="leak"/> (a seeded leak for the test that
    /// shows the release check fails) and drops this fleet's references to the disposed ones. Returns a weak
    /// reference to each session still open before the call, the leaked ones included.
    /// </summary>
    public async Task<IReadOnlyList<WeakReference<IceSession>>> DisposeAllAsync(int leak = 0)
    {
        var open = _members.Where(m => m.Session is not null).ToList();
        var references = open.Select(m => new WeakReference<IceSession>(m.Session!)).ToList();
        await Task.WhenAll(open.Take(open.Count - leak).Select(m => m.DisposeAsync()));
        return references;
    }

    /// <summary>Disposes what <see cref="DisposeAllAsync"/> left on purpose.</summary>
    public Task DisposeLeakedAsync() => Task.WhenAll(_members.Where(m => m.Session is not null).Select(m => m.DisposeAsync()));

    private Member Add(string name, IceRole role)
    {
        var member = new Member(name, role);
        _members.Add(member);
        return member;
    }

    private static async Task ConnectPairAsync(SessionFleet fleet, Member controlling, Member controlled, long start, CancellationToken ct)
    {
        try
        {
            controlling.Create();
            controlled.Create();
            var offer = await controlling.Session!.GetLocalDescriptionAsync(ct);
            var answer = await controlled.Session!.GetLocalDescriptionAsync(ct);
            lock (fleet._ports)
                foreach (var candidate in offer.Candidates.Concat(answer.Candidates)) fleet._ports.Add(candidate.Port);
            controlled.Session.SetRemoteDescription(offer);
            controlling.Session.SetRemoteDescription(answer);
            await Task.WhenAll(controlling.ConnectAsync(start, ct), controlled.ConnectAsync(start, ct));
        }
        catch (Exception e) when (e is OperationCanceledException or IceSessionException)
        {
            controlling.ConnectError ??= e.Message;
            controlled.ConnectError ??= e.Message;
        }
    }

    private static async Task<string?> Datagram(Member from, Member to, CancellationToken ct)
    {
        var probe = Encoding.ASCII.GetBytes($"from {from.Name}");
        try
        {
            if (!await from.Session!.SendAsync(probe)) return $"{from.Name} could not send on its selected pair";
            var (_, data) = await to.Session!.ReceiveAsync(ct);
            return data.AsSpan().SequenceEqual(probe) ? null : $"{to.Name} received '{Encoding.ASCII.GetString(data)}'";
        }
        catch (OperationCanceledException)
        {
            return $"{to.Name} received nothing from {from.Name}";
        }
    }

    /// <summary>One session and what was seen of it.</summary>
    private sealed class Member(string name, IceRole role)
    {
        public long ConsentRefreshes;
        public readonly List<string> Losses = [];

        public string Name { get; } = name;
        public IceRole Role { get; } = role;
        public IceSession? Session { get; private set; }
        public double? ConnectedMs { get; private set; }
        public string? ConnectError { get; set; }

        public void Create()
        {
            Session = IceSession.Create(new IceSessionOptions { Role = Role, Addresses = [IPAddress.Loopback] });
            Session.Event += OnEvent;
        }

        public async Task ConnectAsync(long start, CancellationToken ct)
        {
            await Session!.ConnectAsync(ct);
            ConnectedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        public async Task DisposeAsync()
        {
            if (Session is not { } session) return;
            Session = null;
            await session.DisposeAsync();
        }

        /// <summary>On the session's loop task.</summary>
        private void OnEvent(IceEvent iceEvent)
        {
            switch (iceEvent)
            {
                case IceConsentRefreshed:
                    Interlocked.Increment(ref ConsentRefreshes);
                    break;
                case IceConnectionStateChanged { State: IceConnectionState.Disconnected or IceConnectionState.Failed } changed:
                    lock (Losses) Losses.Add($"{Name}: {changed.State} at {changed.Time.TotalSeconds:F1} s");
                    break;
            }
        }
    }
}
