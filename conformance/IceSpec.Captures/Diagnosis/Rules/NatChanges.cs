using System.Net;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>A mapping that changed mid-session: the same socket towards the same destination, first behind <see cref="Old"/>, from <see cref="Since"/> behind <see cref="New"/>.</summary>
internal sealed record MappingChange(string? Agent, IPEndPoint? Local, IPEndPoint Destination, IPEndPoint Old, IPEndPoint New, DateTime Since,
    FrameRef Before, FrameRef After, string Seen, DateTime LastOld);

/// <summary>
/// <c>mapping-changed</c> (RFC 4787 §4.3): a NAT mapping replaced by a new one while the session ran (the NAT's state
/// flushed or expired, e.g. <c>conntrack -F</c>): from inside, XOR-MAPPED-ADDRESS for the same socket and destination
/// changing; from the peer's side, the same agent's checks to the same address suddenly arriving from a new port of
/// its NAT, the old one never again.
/// </summary>
internal static class NatChanges
{
    /// <summary>At least this many arrivals from the old and from the new source, so that two sockets checking at once are not taken for a change.</summary>
    private const int Enough = 2;

    public static List<MappingChange> Find(NatView view)
    {
        var changes = new List<MappingChange>();
        foreach (var group in view.Mappings.Seen.GroupBy(m => (m.Transport, m.Local, m.Destination)))
        {
            var list = group.ToList();
            var first = list[0];
            if (list.FirstOrDefault(m => !m.Mapped.Equals(first.Mapped)) is not { } next) continue;
            var before = list.Last(m => m.Time <= next.Time && m.Mapped.Equals(first.Mapped));
            changes.Add(new MappingChange(first.Agent, first.Local, first.Destination, first.Mapped, next.Mapped, next.Time, before.Frame, next.Frame,
                next.How == "xor-mapped" ? "XOR-MAPPED-ADDRESS" : "the source beyond the NAT", before.Time));
        }
        foreach (var group in view.Mappings.Arrivals.GroupBy(a => (a.Agent, a.Receiver, a.Destination)))
        {
            var list = group.ToList();
            var sources = list.Select(a => a.Source).Distinct().ToList();
            for (var i = 1; i < sources.Count; i++)
            {
                var (old, @new) = (sources[i - 1], sources[i]);
                if (!old.Address.Equals(@new.Address) || changes.Any(c => c.Agent == group.Key.Agent && c.Old.Equals(old))) continue;
                var lastOld = list.Last(a => a.Source.Equals(old));
                var firstNew = list.First(a => a.Source.Equals(@new));
                // A change, not two sockets: every arrival from the old port came before every arrival from the new one.
                if (lastOld.Time >= firstNew.Time || list.Count(a => a.Source.Equals(old)) < Enough || list.Count(a => a.Source.Equals(@new)) < Enough) continue;
                changes.Add(new MappingChange(group.Key.Agent, null, group.Key.Destination, old, @new, firstNew.Time, lastOld.Frame, firstNew.Frame,
                    $"the source of its checks arriving at {group.Key.Receiver}", lastOld.Time));
            }
        }
        return changes;
    }

    public static IEnumerable<Finding> Findings(NatView view, List<MappingChange> changes, IReadOnlyList<PairOutcome> pairs)
    {
        foreach (var byAgent in changes.GroupBy(c => c.Agent ?? c.Local!.ToString()))
        {
            var change = byAgent.OrderBy(c => c.Since).First();
            var name = view.Name(change.Agent, change.Local);
            // What the peer did afterwards: checks (consent, RFC 7675 §5.1) still to the old mapping, never answered.
            var stale = view.Evidence.Transactions.Values
                .Where(t => t.IsIceCheck && t.ReceiverUfrag == change.Agent && t.Request.Time > change.Since && t.Request.Destination.Equals(change.Old))
                .OrderBy(t => t.Request.Time).ToList();
            var lost = stale.Where(t => t.Responses.Count == 0).ToList();
            var broke = lost.Count > 0;
            var details = new List<string>();
            foreach (var c in byAgent)
                details.Add($"{(c.Local is null ? "" : c.Local + " ")}towards {c.Destination}: {c.Old} until {view.Evidence.Describe(c.Before)}, {c.New} from {view.Evidence.Describe(c.After)} ({c.Seen})");
            if (broke)
                details.Add($"{lost.Count} check{(lost.Count == 1 ? "" : "s")} to the old mapping {change.Old} after the change went unanswered, first {view.Evidence.Describe(lost[0].Request.Ref)}");
            // RFC 4787 §4.3: a NAT removes a mapping when it expires (or its state is flushed); the next packet gets a new
            // one — with a mapping that is not endpoint-independent, on a port nobody was told about.
            yield return new Finding("mapping-changed", FindingCategory.Nat, broke ? FindingSeverity.Cause : FindingSeverity.Note,
                $"the NAT of {name} replaced its mapping mid-session: {change.Old} became {change.New} towards {change.Destination}" +
                (broke ? $"; the peer's checks to {change.Old} are dropped from then on, so consent fails (RFC 7675 §5.1) and the pair is lost" : ""),
                [change.Before, change.After, .. lost.Take(1).Select(t => t.Request.Ref)], "RFC 4787 §4.3",
                broke
                    ? "the NAT lost its state (flush, reboot or a timeout shorter than the keepalive interval): an ICE restart (RFC 8445 §9) finds the new mapping; keep consent/keepalives more frequent than the NAT's UDP timeout (RFC 4787 REQ-5: at least 2 min) and do not flush NAT state on a live call"
                    : "nothing to change for this call: the agents followed the new mapping; a NAT that keeps mappings for their timeout (RFC 4787 REQ-5) avoids it",
                details);
        }
    }
}
