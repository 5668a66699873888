namespace IceSpec.Conformance.Lab;

/// <summary>RFC 4787 §4.1 (mapping) and §5 (filtering) behaviours, as a NAT is built and as a probe measures it.</summary>
public enum NatBehaviour : byte
{
    /// <summary>No translation at all (the mapped address is the host's own).</summary>
    NoTranslation,
    /// <summary>RFC 4787 §4.1 / §5: the same for every remote endpoint.</summary>
    EndpointIndependent,
    /// <summary>Depends on the remote IP address only.</summary>
    AddressDependent,
    /// <summary>Depends on the remote IP address and port ("symmetric" when it is the mapping).</summary>
    AddressAndPortDependent,
    /// <summary>Nothing came through at all (UDP blocked).</summary>
    Blocked,
}

/// <summary>The NAT a site's router applies, in the classic names (RFC 3489 §5) with their RFC 4787 behaviours.</summary>
public enum NatType : byte
{
    /// <summary>The router only routes: the site's addresses are public.</summary>
    None,
    /// <summary>Endpoint-independent mapping and filtering.</summary>
    FullCone,
    /// <summary>Endpoint-independent mapping, address-dependent filtering.</summary>
    AddressRestricted,
    /// <summary>Endpoint-independent mapping, address-and-port-dependent filtering (Linux masquerade).</summary>
    PortRestricted,
    /// <summary>Address-and-port-dependent mapping and filtering: a new random port for every remote endpoint.</summary>
    Symmetric,
}

public static class NatTypeBehaviours
{
    /// <summary>The RFC 4787 §4.1 mapping behaviour a NAT of this type must show.</summary>
    public static NatBehaviour Mapping(this NatType type) => type switch
    {
        NatType.None => NatBehaviour.NoTranslation,
        NatType.Symmetric => NatBehaviour.AddressAndPortDependent,
        _ => NatBehaviour.EndpointIndependent,
    };

    /// <summary>The RFC 4787 §5 filtering behaviour a NAT of this type must show.</summary>
    public static NatBehaviour Filtering(this NatType type) => type switch
    {
        NatType.None or NatType.FullCone => NatBehaviour.EndpointIndependent,
        NatType.AddressRestricted => NatBehaviour.AddressDependent,
        _ => NatBehaviour.AddressAndPortDependent,
    };

    /// <summary>Kebab-case name used on the command line and in reports.</summary>
    public static string Name(this NatType type) => type switch
    {
        NatType.None => "none",
        NatType.FullCone => "full-cone",
        NatType.AddressRestricted => "address-restricted",
        NatType.PortRestricted => "port-restricted",
        _ => "symmetric",
    };
}
