using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tester;

/// <summary>Ways the tester answers the IUT's Binding requests (<see cref="TesterPeer.Answer"/>).</summary>
public static class TesterAnswers
{
    /// <summary>
    /// As RFC 8445 §7.3 asks: a check with USERNAME <c>tester-ufrag:…</c> and MESSAGE-INTEGRITY valid with the tester's
    /// password gets a success response whose XOR-MAPPED-ADDRESS is its source (§7.3.1.2), signed with that password;
    /// anything else gets no answer (the tester is not what the cases judge there).
    /// </summary>
    public static Func<TesterDatagram, TesterAnswer?> Correct(TesterPeer tester) => datagram =>
        IsAuthenticCheck(tester, datagram) ? new TesterAnswer(tester.Messages.Success(datagram.Stun!, datagram.Remote)) : null;

    /// <summary>Answers nothing: every check of the IUT times out (RFC 8445 §7.2.5.2.3).</summary>
    public static Func<TesterDatagram, TesterAnswer?> Silent => _ => null;

    /// <summary>Answers correctly while <paramref name="answer"/> says so, else stays silent.</summary>
    public static Func<TesterDatagram, TesterAnswer?> While(TesterPeer tester, Func<TesterDatagram, bool> answer)
    {
        var correct = Correct(tester);
        return datagram => answer(datagram) ? correct(datagram) : null;
    }

    /// <summary>
    /// After the tester restarted ICE (RFC 8445 §9): checks of the new generation are answered as <see cref="Correct"/>
    /// does; checks still using the <paramref name="previous"/> credentials (consent on the old selected pair while the
    /// new session runs) get an answer signed with the previous password.
    /// </summary>
    public static Func<TesterDatagram, TesterAnswer?> AcrossRestart(TesterPeer tester, IceCredentials previous)
    {
        var correct = Correct(tester);
        var previousKey = StunKey.ShortTerm(previous.Password);
        return datagram => correct(datagram) ?? (datagram.IsRequest && datagram.Stun!.Username is { } username
            && username.StartsWith(previous.Ufrag + ":", StringComparison.Ordinal) && datagram.Stun.IntegrityValidWith(previousKey)
                ? new TesterAnswer(tester.Messages.Success(datagram.Stun, datagram.Remote, previous.Password))
                : null);
    }

    /// <summary>A check addressed to the tester (its ufrag first, RFC 8445 §7.2.2) and signed with its password.</summary>
    public static bool IsAuthenticCheck(TesterPeer tester, TesterDatagram datagram) =>
        datagram.IsRequest && datagram.Stun!.Username is { } username
        && username.StartsWith(tester.Credentials.Ufrag + ":", StringComparison.Ordinal)
        && datagram.Stun.IntegrityValidWith(tester.Key);
}
