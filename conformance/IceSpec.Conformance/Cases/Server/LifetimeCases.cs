using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Allocation lifetimes (RFC 8656 §7.2, §8.2) and requests without an allocation (§5).</summary>
internal static class LifetimeCases
{
    /// <summary>The default lifetime, 600 s (RFC 8656 §6: "the default lifetime value of 600 seconds (10 minutes)").</summary>
    private const uint DefaultLifetime = 600;

    private const string InitialLifetimeText =
        "If the request contains a LIFETIME attribute, then the server computes the minimum of the client's proposed lifetime and " +
        "the server's maximum allowed lifetime. If this computed value is greater than the default lifetime, then the server uses " +
        "the computed lifetime as the initial value of the time-to-expiry field. Otherwise, the server uses the default lifetime.";

    private const string NoAllocationText =
        "For all TURN messages (including ChannelData) EXCEPT an Allocate request, if the 5-tuple does not identify an existing " +
        "allocation, then the message MUST either be rejected with a 437 Allocation Mismatch error (if it is a request) or be " +
        "silently ignored (if it is an indication or a ChannelData message).";

    public static IEnumerable<ServerCase> All =>
    [
        ServerCase.Define(8656, "7.2", 6, RequirementLevel.Must, "LIFETIME 4294967295 s: the server's maximum is granted, not the request",
            InitialLifetimeText, ["TurnAllocation: Idle -> Active on Allocate", "TurnAllocation.MaxLifetime"], context => HugeLifetimeAsync(context, recommendedMax: null)),
        ServerCase.Define(8656, "7.2", 7, RequirementLevel.Should, "The maximum allowed lifetime is at most 3600 s",
            "It is RECOMMENDED that the server use a maximum allowed lifetime value of no more than 3600 seconds (1 hour).",
            ["TurnAllocation.MaxLifetime"], context => HugeLifetimeAsync(context, recommendedMax: 3600)),
        ServerCase.Define(8656, "7.2", 8, RequirementLevel.Must, "LIFETIME 60 s (below the default): the default 600 s is granted",
            InitialLifetimeText, ["TurnAllocation: Idle -> Active on Allocate", "TurnAllocation.DefaultLifetime"], ShortLifetimeAsync),
        ServerCase.Define(8656, "8.2", 1, RequirementLevel.Must, "Refresh with LIFETIME 0 succeeds and deletes the allocation (the 5-tuple can allocate again)",
            "If the \"desired lifetime\" is zero, then the request succeeds and the allocation is deleted.",
            ["TurnAllocation: Active -> Deleted on RefreshToZero"], RefreshToZeroAsync),
        ServerCase.Define(8656, "8.2", 2, RequirementLevel.Must, "Refresh with LIFETIME 700 succeeds with the desired lifetime in LIFETIME",
            "If the \"desired lifetime\" is non-zero, then the request succeeds and the allocation's time-to-expiry is set to the " +
            "\"desired lifetime\". If the request succeeds, then the server sends a success response containing: A LIFETIME attribute " +
            "containing the current value of the time-to-expiry timer.",
            ["TurnAllocation: Active -> Active on Refresh", "Refresh success: required LIFETIME"], RefreshAsync),
        ServerCase.Define(8656, "5", 1, RequirementLevel.Must, "Refresh on a 5-tuple that never allocated: 437", NoAllocationText,
            ["437 Allocation Mismatch"], RefreshWithoutAllocationAsync),
        ServerCase.Define(8656, "5", 2, RequirementLevel.Must, "Refresh with LIFETIME 600 after the allocation was deleted: 437", NoAllocationText,
            ["437 Allocation Mismatch"], RefreshAfterDeleteAsync),
        ServerCase.Define(8656, "5", 3, RequirementLevel.Must, "CreatePermission on a 5-tuple without allocation: 437", NoAllocationText,
            ["437 Allocation Mismatch"], CreatePermissionWithoutAllocationAsync),
    ];

    private static async Task<CaseVerdict> HugeLifetimeAsync(ServerCaseContext context, uint? recommendedMax)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.AllocateAsync(uint.MaxValue);
        var sent = $"sent an authenticated Allocate with LIFETIME {uint.MaxValue}";
        if (!reply.IsSuccess || reply.Lifetime is not { } granted) return CaseVerdict.Fail($"{sent}; expected a success with LIFETIME, got {reply}");
        if (recommendedMax is { } max)
            return granted <= max
                ? CaseVerdict.Pass($"{sent}; granted {granted} s, within the recommended {max} s")
                : CaseVerdict.Fail($"{sent}; granted {granted} s: the maximum allowed lifetime exceeds the recommended {max} s");
        if (granted == uint.MaxValue) return CaseVerdict.Fail($"{sent}; granted all {granted} s: no maximum allowed lifetime is applied");
        return granted >= DefaultLifetime
            ? CaseVerdict.Pass($"{sent}; granted {granted} s (the server's maximum)")
            : CaseVerdict.Fail($"{sent}; granted {granted} s, below the default lifetime {DefaultLifetime} s");
    }

    private static async Task<CaseVerdict> ShortLifetimeAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.AllocateAsync(60);
        var sent = "sent an authenticated Allocate with LIFETIME 60";
        if (!reply.IsSuccess || reply.Lifetime is not { } granted) return CaseVerdict.Fail($"{sent}; expected a success with LIFETIME, got {reply}");
        return granted == DefaultLifetime
            ? CaseVerdict.Pass($"{sent}; granted the default {granted} s")
            : CaseVerdict.Fail($"{sent}; granted {granted} s, not the default lifetime {DefaultLifetime} s");
    }

    private static async Task<CaseVerdict> RefreshToZeroAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var relayed = session.Relayed;
        var reply = await session.RefreshAsync(0);
        var sent = $"allocated {relayed}, sent a Refresh with LIFETIME 0";
        if (!reply.IsSuccess) return CaseVerdict.Fail($"{sent}; expected a success response, got {reply}");
        var again = await session.AllocateAsync();
        if (again.IsSuccess)
            return CaseVerdict.Pass($"{sent}; got {reply}; a new Allocate on the same 5-tuple then succeeded ({again}), so the allocation was deleted");
        // Evidence for the report: does the server free the 5-tuple a little later (deletion deferred) or never?
        await Task.Delay(LateRetryDelay, context.Cancel);
        var late = await session.AllocateAsync();
        return CaseVerdict.Fail($"{sent}; got {reply}, but a new Allocate on the same 5-tuple then got {again}: the allocation was not deleted " +
            $"(another Allocate {LateRetryDelay.TotalSeconds:0.#} s later got {late})");
    }

    private static readonly TimeSpan LateRetryDelay = TimeSpan.FromSeconds(1.5);

    private static async Task<CaseVerdict> RefreshAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var reply = await session.RefreshAsync(700);
        var sent = "allocated, then sent a Refresh with LIFETIME 700";
        if (!reply.IsSuccess || reply.Lifetime is not { } granted) return CaseVerdict.Fail($"{sent}; expected a success with LIFETIME, got {reply}");
        // The desired lifetime is max(min(700, server maximum), 600): between the default and what was asked.
        return granted is >= DefaultLifetime and <= 700
            ? CaseVerdict.Pass($"{sent}; got {reply}")
            : CaseVerdict.Fail($"{sent}; LIFETIME {granted} is not the desired lifetime (between the default {DefaultLifetime} and the requested 700): {reply}");
    }

    private static async Task<CaseVerdict> RefreshWithoutAllocationAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var reply = await session.RefreshAsync(600);
        return Verdicts.ExpectError(reply, TurnErrorCodes.AllocationMismatch, $"sent an authenticated Refresh (LIFETIME 600) {Verdicts.From(session.Connection)}, which never allocated");
    }

    private static async Task<CaseVerdict> RefreshAfterDeleteAsync(ServerCaseContext context)
    {
        var session = await context.AllocatedSessionAsync();
        var deleted = await session.RefreshAsync(0);
        if (!deleted.IsSuccess) throw new CaseSetupException($"a Refresh with LIFETIME 0 got {deleted}, not a success");
        var reply = await session.RefreshAsync(600);
        return Verdicts.ExpectError(reply, TurnErrorCodes.AllocationMismatch, "allocated, deleted the allocation (Refresh LIFETIME 0: success), then sent a Refresh with LIFETIME 600");
    }

    private static async Task<CaseVerdict> CreatePermissionWithoutAllocationAsync(ServerCaseContext context)
    {
        var session = await context.OpenSessionAsync();
        var peer = context.OpenPeer(session);
        var reply = await session.CreatePermissionAsync(peer.EndPoint);
        return Verdicts.ExpectError(reply, TurnErrorCodes.AllocationMismatch, $"sent an authenticated CreatePermission for {peer.EndPoint.Address} {Verdicts.From(session.Connection)}, which never allocated");
    }
}
