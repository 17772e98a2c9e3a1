// What each assembly costs in the static binary, from ILC's mstat file (IlcGenerateMstatFile, on in
// Fobnail.Init.csproj): `dotnet run tests/tools/size-breakdown.cs -- src/Fobnail.Init/obj/Release/net10.0/linux-x64/native/fobnail-init.mstat`
// The mstat is an ECMA-335 assembly whose global type's methods "Types", "Methods" and "Blobs" list, in IL,
// `ldtoken ENTITY` (or `ldstr NAME` for blobs) followed by `ldc.i4` sizes: code + GC info + EH info for methods,
// the type's data structures for types. Each size is added to the assembly that defines the entity (the generic
// definition's assembly for an instantiation). Frozen data, the runtime's native code and the ELF overhead are
// not in it: the total is below the file size, and the difference is printed.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

string path = args.Length > 0 ? args[0] : throw new ArgumentException("usage: size-breakdown.cs MSTAT [BINARY]");
using var pe = new PEReader(File.OpenRead(path));
MetadataReader md = pe.GetMetadataReader();
var totals = new Dictionary<string, long>();
var owner = new Owner(md);

TypeDefinition global = md.GetTypeDefinition(MetadataTokens.TypeDefinitionHandle(1));
foreach (MethodDefinitionHandle h in global.GetMethods())
{
    MethodDefinition m = md.GetMethodDefinition(h);
    string section = md.GetString(m.Name);
    BlobReader il = pe.GetMethodBody(m.RelativeVirtualAddress).GetILReader();
    string current = $"({section.ToLowerInvariant()})";
    while (il.RemainingBytes > 0)
    {
        byte op = il.ReadByte();
        switch (op)
        {
            case 0xD0: // ldtoken
                current = owner.Of(MetadataTokens.EntityHandle(il.ReadInt32()));
                break;
            case 0x72: // ldstr: a blob's name
                il.ReadInt32();
                current = "(blobs)";
                break;
            case 0x20: // ldc.i4
                int size = il.ReadInt32();
                totals[current] = totals.GetValueOrDefault(current) + size;
                break;
            case 0x26: case 0x2A: case 0x00: // pop, ret, nop
                break;
            default:
                throw new InvalidDataException($"{section}: unexpected IL opcode 0x{op:X2} at {il.Offset - 1}");
        }
    }
}

long sum = totals.Values.Sum();
Console.WriteLine($"{"assembly",-40} {"bytes",12} {"share",7}");
foreach (var (name, bytes) in totals.OrderByDescending(kv => kv.Value))
    Console.WriteLine($"{name,-40} {bytes,12:N0} {100.0 * bytes / sum,6:F1}%");
Console.WriteLine($"{"total in the mstat",-40} {sum,12:N0}");
if (args.Length > 1)
    Console.WriteLine($"{"rest of " + Path.GetFileName(args[1]) + " (runtime, frozen data, ELF)",-40} {new FileInfo(args[1]).Length - sum,12:N0}");

/// <summary>The defining assembly of a type, method or field token of the mstat.</summary>
sealed class Owner(MetadataReader md)
{
    public string Of(EntityHandle h) => h.Kind switch
    {
        HandleKind.TypeReference => Scope(md.GetTypeReference((TypeReferenceHandle)h).ResolutionScope),
        HandleKind.TypeDefinition => md.GetString(md.GetAssemblyDefinition().Name),
        HandleKind.TypeSpecification => OfSignature(md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)h).Signature)),
        HandleKind.MemberReference => Of(md.GetMemberReference((MemberReferenceHandle)h).Parent),
        HandleKind.MethodSpecification => Of(md.GetMethodSpecification((MethodSpecificationHandle)h).Method),
        HandleKind.MethodDefinition => Of(md.GetMethodDefinition((MethodDefinitionHandle)h).GetDeclaringType()),
        HandleKind.FieldDefinition => Of(md.GetFieldDefinition((FieldDefinitionHandle)h).GetDeclaringType()),
        _ => $"({h.Kind})",
    };

    private string Scope(EntityHandle scope) => scope.Kind switch
    {
        HandleKind.AssemblyReference => md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name),
        HandleKind.TypeReference => Scope(md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope),
        _ => $"({scope.Kind})",
    };

    /// <summary>The first named type of a type signature: the generic definition, the element of an array or pointer.</summary>
    private string OfSignature(BlobReader blob)
    {
        while (blob.RemainingBytes > 0)
        {
            byte code = blob.ReadByte();
            switch (code)
            {
                case 0x11: case 0x12: // VALUETYPE, CLASS
                    return Of(blob.ReadTypeHandle());
                case 0x1F: case 0x20: // CMOD_REQD, CMOD_OPT: a modifier type, then the type itself
                    blob.ReadTypeHandle();
                    continue;
                case 0x15: case 0x1D: case 0x0F: case 0x10: case 0x45: case 0x14: // GENERICINST, SZARRAY, PTR, BYREF, PINNED, ARRAY
                    continue;
                case 0x1B: // FNPTR
                    return "(function pointers)";
                default: // primitives, generic parameters
                    return "System.Private.CoreLib";
            }
        }
        return "(empty signature)";
    }
}
