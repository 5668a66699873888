namespace IceSpec.Packaging.Tests.Consumer;

/// <summary>
/// The files of a console project a user writes outside the repository: it references the packages IceSpec.Stun and
/// IceSpec.Generators and nothing else, has vendor specs importing stun — acme.spec listed as AdditionalFiles by hand (as
/// inside the repository), vendor/beta.spec not (the package adds the project's other *.spec files), vendor/gamma.spec
/// listed as names only (IceSpecEmit="false": its code would be in another assembly) — and reads messages with the
/// accessors generated from them.
/// </summary>
internal static class ConsumerProject
{
    /// <summary>Nothing from a Directory.Build.props or .targets above the temp directory applies.</summary>
    public const string EmptyDirectoryBuildFile = "<Project />\n";

    public static string NuGetConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="icespec-test-feed" value="{feed}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="icespec-test-feed">
              <package pattern="IceSpec.*" />
              <package pattern="icespec" />
            </packageSource>
            <packageSource key="nuget.org">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    public static string ProjectFile(string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="IceSpec.Stun" Version="{version}" />
            <PackageReference Include="IceSpec.Generators" Version="{version}" />
            <AdditionalFiles Include="acme.spec" />
            <AdditionalFiles Include="vendor/gamma.spec" IceSpecEmit="false" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>A vendor attribute (RFC 8489 §18.3 leaves 0xC000-0xFFFF to vendors) and a rule on stun's Binding request.</summary>
    public const string VendorSpec = """
        protocol acme "RFC 8489 §18.3";
        namespace Acme.Stun;
        import stun;

        attribute ACME-FLAGS 0xC0DF : u32 "RFC 8489 §18.3: feature flags (vendor attribute)";

        message Binding request as acme "RFC 8489 §6.1" {
          required ACME-FLAGS "RFC 8489 §6.1";
        }
        """;

    /// <summary>A second vendor spec, in a folder, that no AdditionalFiles line names.</summary>
    public const string SecondVendorSpec = """
        protocol beta "RFC 8489 §18.3";
        namespace Beta.Stun;
        import stun;

        attribute BETA-PORT 0xC0E5 : u16 "RFC 8489 §18.3: a port (vendor attribute)";
        """;

    /// <summary>A spec the project reads for names only: nothing may be generated from it.</summary>
    public const string NamesOnlySpec = """
        protocol gamma "RFC 8489 §18.3";
        namespace Gamma.Stun;
        import stun;

        attribute GAMMA-TAG 0xC0E6 : u32 "RFC 8489 §18.3: a tag (vendor attribute)";
        """;

    /// <summary>
    /// Whether code was generated from the names-only spec, the code of BETA-PORT as generated from the second spec, then for each hex argument: the ACME-FLAGS value the generated accessor reads, the generated validator's verdict, and
    /// the message rebuilt with the generated writer (same type and transaction ID, that one attribute).
    /// </summary>
    public const string Program = """
        using Acme.Stun;
        using Beta.Stun;
        using IceSpec.Stun;

        Console.WriteLine($"GAMMA generated: {typeof(BetaAttributeTypes).Assembly.GetType("Gamma.Stun.GammaAttributeTypes") is not null}");
        Console.WriteLine($"BETA-PORT type 0x{BetaAttributeTypes.BetaPort:X4}");
        foreach (var hex in args)
        {
            var bytes = Convert.FromHexString(hex);
            if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok)
            {
                Console.WriteLine("not a STUN message");
                continue;
            }
            var found = message.TryGetAcmeFlags(out var flags);
            Console.WriteLine(found ? $"ACME-FLAGS 0x{flags:X8}" : "ACME-FLAGS absent");
            Console.WriteLine(AcmeValidator.TryValidate(message, AcmeValidator.Profile.Acme, out var violation) ? "acme rules: kept" : $"acme rules: broken {violation.Rule}");
            if (!found) continue;
            var buffer = new byte[64];
            var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), message.TransactionId);
            builder.AddAcmeFlags(flags);
            Console.WriteLine("rebuilt " + Convert.ToHexStringLower(builder.Written));
        }
        """;
}
