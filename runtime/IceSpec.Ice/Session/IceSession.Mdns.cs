using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Mdns;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice;

// draft-ietf-mmusic-mdns-ice-candidates in the I/O layer: remote ".local" candidates resolved before the agent sees
// them (§3.2), local host candidates offered under names (§3.1), through IceMdnsEndpoint (RFC 6762 on 224.0.0.251:5353
// and [ff02::fb]:5353).
public sealed partial class IceSession
{
    /// <summary>Opened on the first mDNS need (offering names, or a remote name to resolve); null before, or when it failed.</summary>
    private IceMdnsEndpoint? _mdns;
    private bool _mdnsFailed;
    /// <summary>The names of local host addresses as signalled (<see cref="IceSessionOptions.OfferMdnsHostNames"/>); empty otherwise.</summary>
    private readonly Dictionary<IPAddress, string> _hostNames = new();
    /// <summary>Remote candidates waiting for their name to resolve, by name; touched on the loop task only.</summary>
    private readonly Dictionary<string, List<IceCandidate>> _awaitingName = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The peer's end-of-candidates came while names were being resolved: the agent hears it once they are.</summary>
    private bool _endOfCandidatesDeferred;
    private IceCredentials? _remoteCredentials;

    /// <summary>
    /// On the loop: a remote candidate goes to the agent, unless its address is a name. draft-ietf-mmusic-mdns-ice-candidates
    /// §3.2.1: a "name.local" is resolved with mDNS first (the candidate waits; every candidate with that name is added
    /// once it resolves, step 3, or dropped, step 4); any other name is not resolved (RFC 8445 takes IP addresses) and the
    /// candidate is dropped. Each drop is reported (<see cref="IceRemoteCandidateDropped"/>) with its reason.
    /// </summary>
    private void AddRemote(IceCandidate candidate)
    {
        if (candidate.Address.Kind != IceAddressKind.Fqdn)
        {
            _agent.AddRemoteCandidate(Now, 0, candidate);
            return;
        }
        var name = candidate.Address.Text;
        if (!MdnsNames.IsCandidateName(name)) { Dropped(candidate, $"'{name}' is a name but not an mDNS candidate name (<name>.local, draft §3.2.1): only those are resolved"); return; }
        if (!_options.ResolveMdnsCandidates) { Dropped(candidate, "mDNS resolution is off (IceSessionOptions.ResolveMdnsCandidates)"); return; }
        if (Mdns() is not { } mdns) { Dropped(candidate, "no mDNS socket (see the ice.mdns.unavailable event)"); return; }
        if (_awaitingName.TryGetValue(name, out var waiting)) { waiting.Add(candidate); return; }
        _awaitingName[name] = [candidate];
        mdns.Resolve(name);
    }

    private void EndOfRemote()
    {
        if (_awaitingName.Count > 0) _endOfCandidatesDeferred = true; // RFC 8838 §13 waits for the names still resolving
        else _agent.EndOfRemoteCandidates(Now);
    }

    /// <summary>On the loop: a name resolved or failed; its candidates are added or dropped.</summary>
    private void Resolved(MdnsResolution resolution)
    {
        if (!_awaitingName.Remove(resolution.Name, out var candidates)) return;
        foreach (var candidate in candidates)
        {
            if (resolution.Address is { } address)
            {
                Event?.Invoke(new IceRemoteCandidateResolved(Now, candidate, address));
                IceSessionLog.Event(_log, new IceRemoteCandidateResolved(Now, candidate, address));
                _agent.AddResolvedRemoteCandidate(Now, 0, candidate, address);
            }
            else Dropped(candidate, resolution.Failure ?? "not resolved");
        }
        if (_awaitingName.Count == 0 && _endOfCandidatesDeferred)
        {
            _endOfCandidatesDeferred = false;
            _agent.EndOfRemoteCandidates(Now);
        }
    }

    private void Dropped(IceCandidate candidate, string reason)
    {
        var dropped = new IceRemoteCandidateDropped(Now, candidate, reason);
        IceSessionLog.Event(_log, dropped);
        Event?.Invoke(dropped);
    }

    /// <summary>The mDNS endpoint, opened on first use; null (reported once) when the host cannot speak mDNS.</summary>
    private IceMdnsEndpoint? Mdns()
    {
        if (_mdns is not null || _mdnsFailed) return _mdns;
        try
        {
            _mdns = IceMdnsEndpoint.Open(_hostAddresses, _options.MdnsResolutionTimeout, _options.MaxPendingMdnsResolutions, _options.TimeProvider,
                resolution => Post(() => Resolved(resolution)));
            foreach (var family in _mdns.Unavailable) MdnsUnavailable($"{family} (on {string.Join(", ", _hostAddresses)})");
        }
        catch (SocketException e)
        {
            _mdnsFailed = true;
            MdnsUnavailable($"224.0.0.251:5353 / [ff02::fb]:5353 on {string.Join(", ", _hostAddresses)}: {e.Message}");
        }
        return _mdns;
    }

    private void MdnsUnavailable(string reason)
    {
        var unavailable = new IceMdnsUnavailable(Now, reason);
        IceSessionLog.Event(_log, unavailable);
        Event?.Invoke(unavailable);
    }

    /// <summary>
    /// draft §3.1.1 steps 3–5 for every host address, IPv4 (an A record) and IPv6 (AAAA), before gathering: the names are
    /// made and registered with the responder, and announced on both families. §3.1.1: the names are offered "even if ...
    /// mDNS registration fails" (no socket).
    /// </summary>
    private void OfferHostNames()
    {
        var mdns = Mdns();
        foreach (var address in _hostAddresses)
            _hostNames[address] = mdns?.Register(address) ?? MdnsNames.New();
        mdns?.Announce();
    }
}
