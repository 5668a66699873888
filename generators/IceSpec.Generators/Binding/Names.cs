using System.Text;

namespace IceSpec.Generators.Binding;

/// <summary>Spec names to C# identifiers: <c>XOR-MAPPED-ADDRESS</c> → <c>XorMappedAddress</c>, <c>ice-check</c> → <c>IceCheck</c>.</summary>
internal static class Names
{
    public static string ToIdentifier(string specName)
    {
        var builder = new StringBuilder(specName.Length);
        var upperNext = true;
        var allUpper = specName.ToUpperInvariant() == specName;
        foreach (var c in specName)
        {
            if (c == '-' || c == '_' || c == ' ') { upperNext = true; continue; }
            if (!char.IsLetterOrDigit(c)) continue;
            builder.Append(upperNext ? char.ToUpperInvariant(c) : allUpper ? char.ToLowerInvariant(c) : c);
            upperNext = false;
        }
        if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, '_');
        return builder.ToString();
    }
}
