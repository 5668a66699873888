namespace IceSpec.Turn.Server;

/// <summary>
/// The fleet this server belongs to, as last seen: servers of one realm that share users, quotas and load (hosting keeps
/// the view current, e.g. <c>turn-server fleet=redis://…</c>). The sans-IO core asks it on its own thread for every
/// Allocate, so an implementation answers from memory and never waits for the network.
/// </summary>
public interface ITurnFleet
{
    /// <summary>Told to drain: no new allocations here (they are redirected), the existing ones are kept.</summary>
    bool Draining { get; }

    /// <summary>Allocations <paramref name="username"/> holds on the other servers of the fleet (the per-user quota counts them).</summary>
    int AllocationsElsewhere(string username);

    /// <summary>The least-loaded live server of the fleet, other than this one, that takes allocations of <paramref name="family"/>.</summary>
    bool TryLeastLoaded(byte family, out TurnEndpoint server);

    /// <summary>An allocation of <paramref name="username"/> was created here.</summary>
    void AllocationOpened(string username);

    /// <summary>An allocation of <paramref name="username"/> here ended (expired, deleted, or the server stopped).</summary>
    void AllocationClosed(string username);
}
