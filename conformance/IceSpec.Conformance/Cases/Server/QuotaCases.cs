using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>
/// Allocation quota (486) and capacity (508), RFC 8656 §7.2 steps 8 and 10: allocations from new 5-tuples of the same user
/// until the server refuses one. Only a refusal with the case's code checks anything; a server that allowed every attempt
/// (no quota configured, a wide port range) leaves the case inconclusive.
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
            ["486 Allocation Quota Reached"], context => FillAsync(context, TurnErrorCodes.AllocationQuotaReached, "user-quota")),
        ServerCase.Define(8656, "7.2", 10, RequirementLevel.Must, "Allocations beyond the relay ports available: 508",
            "Otherwise, the server checks if it can satisfy the request (i.e., can allocate a relayed transport address as described " +
            "below). If the server cannot satisfy the request, then the server rejects the request with a 508 (Insufficient Capacity) error.",
            ["508 Insufficient Capacity"], context => FillAsync(context, TurnErrorCodes.InsufficientCapacity, "a relay port range")),
    ];

    private static async Task<CaseVerdict> FillAsync(ServerCaseContext context, int expected, string setting)
    {
        var granted = new List<string>();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var session = await context.OpenSessionAsync();
            var reply = await session.AllocateAsync();
            if (reply.IsSuccess)
            {
                granted.Add(reply.XorRelayedAddress?.ToString() ?? "?");
                continue;
            }
            var sent = $"allocated {granted.Count} times as '{context.Target.Username}' from distinct 5-tuples ({string.Join(", ", granted)}); allocation {attempt} got {reply}";
            if (reply.ErrorCode == expected) return CaseVerdict.Pass(sent);
            if (reply.ErrorCode is TurnErrorCodes.AllocationQuotaReached or TurnErrorCodes.InsufficientCapacity)
                return CaseVerdict.Inconclusive($"{sent}: the other limit came first; configure {setting} below it to check {expected}");
            return CaseVerdict.Fail($"{sent}; a refusal for quota or capacity must be 486 or 508");
        }
        return CaseVerdict.Inconclusive($"all {MaxAttempts} allocations as '{context.Target.Username}' succeeded: no limit reached; configure {setting} below {MaxAttempts} to check {expected}");
    }
}
