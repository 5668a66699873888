using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// Allocation quota (486) and capacity (508), RFC 8656 §7.2 steps 8 and 10: allocations from new 5-tuples until the server
/// refuses one. Only a refusal with the case's code checks anything; a server that allowed every attempt (no quota
/// configured, a wide port range) leaves the case inconclusive. Both run on the target's
/// <see cref="ServerTarget.QuotaTarget"/> when it has one.
/// </summary>
internal static class QuotaCases
{
    /// <summary>Allocations tried before giving up on provoking a refusal.</summary>
    public const int MaxAttempts = 16;

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "7.2", 9, RequirementLevel.Must, "Allocations beyond the user's quota: 486",
            "At any point, the server MAY choose to reject the request with a 486 (Allocation Quota Reached) error if it feels the client " +
            "is trying to exceed some locally defined allocation quota.",
            ["486 Allocation Quota Reached"], QuotaAsync) with { OnQuotaTarget = true },
        ServerCase.Define(8656, "7.2", 10, RequirementLevel.Must, "Allocations beyond the relay ports available: 508",
            "Otherwise, the server checks if it can satisfy the request (i.e., can allocate a relayed transport address as described " +
            "below). If the server cannot satisfy the request, then the server rejects the request with a 508 (Insufficient Capacity) error.",
            ["508 Insufficient Capacity"], CapacityAsync) with { OnQuotaTarget = true },
    ];

    /// <summary>Allocations as the target's user until one is refused: the refusal must be 486.</summary>
    private static Task<CaseVerdict> QuotaAsync(ServerCaseContext context) =>
        FillAsync(context, [new ServerUser(context.Target.Username, context.Target.Password)], TurnErrorCodes.AllocationQuotaReached, "user-quota");

    /// <summary>
    /// Allocations as the target's other users in turn (the main user when it has none) until one is refused with anything
    /// but 486: a user refused with 486 (its quota, which with coturn still counts the 486 case's just-deleted allocations)
    /// is skipped, so a per-user quota cannot end the case before the relay ports run out.
    /// </summary>
    private static Task<CaseVerdict> CapacityAsync(ServerCaseContext context) =>
        FillAsync(context, context.Target.OtherUsers.Count > 0 ? context.Target.OtherUsers : [new ServerUser(context.Target.Username, context.Target.Password)],
            TurnErrorCodes.InsufficientCapacity, "a relay port range");

    private static async Task<CaseVerdict> FillAsync(ServerCaseContext context, IReadOnlyList<ServerUser> users, int expected, string setting)
    {
        var granted = new List<string>();
        var quotaReached = new List<string>();
        var active = users.ToList();
        for (var attempt = 1; attempt <= MaxAttempts && active.Count > 0; attempt++)
        {
            var user = active[(attempt - 1) % active.Count];
            var session = await context.OpenSessionAsync(user);
            var reply = await session.AllocateAsync();
            if (reply.IsSuccess)
            {
                granted.Add($"{reply.XorRelayedAddress?.ToString() ?? "?"} as '{user.Username}'");
                continue;
            }
            var sent = $"allocated {granted.Count} times from distinct 5-tuples ({string.Join(", ", granted)}); allocation {attempt} as '{user.Username}' got {reply}";
            if (reply.ErrorCode == expected) return CaseVerdict.Pass(sent + (quotaReached.Count > 0 ? $" (earlier: {string.Join("; ", quotaReached)})" : ""));
            if (expected == TurnErrorCodes.InsufficientCapacity && reply.ErrorCode == TurnErrorCodes.AllocationQuotaReached)
            {
                quotaReached.Add($"'{user.Username}' got 486 at allocation {attempt}");
                active.Remove(user);
                continue;
            }
            if (reply.ErrorCode is TurnErrorCodes.AllocationQuotaReached or TurnErrorCodes.InsufficientCapacity)
                return CaseVerdict.Inconclusive($"{sent}: the other limit came first; configure {setting} below it to check {expected}");
            return CaseVerdict.Fail($"{sent}; a refusal for quota or capacity must be 486 or 508");
        }
        if (active.Count == 0)
            return CaseVerdict.Inconclusive($"allocated {granted.Count} times ({string.Join(", ", granted)}), then every user reached its quota ({string.Join("; ", quotaReached)}) " +
                $"before the relay ports ran out: configure {setting} below the users' combined quota, or more users (ServerTarget.OtherUsers), to check {expected}");
        return CaseVerdict.Inconclusive($"all {MaxAttempts} allocations as {string.Join(", ", users.Select(u => $"'{u.Username}'"))} succeeded: no limit reached; configure {setting} below {MaxAttempts} to check {expected}");
    }
}
