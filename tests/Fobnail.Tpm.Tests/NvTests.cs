using System.Security.Cryptography;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>Whole-index NV reads against indices defined and written by tpm2-tools.</summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class NvTests(TpmFixture tpm)
{
    private byte[] Define(uint index, int size, string attributes)
    {
        string hex = $"0x{index:X8}";
        try
        {
            tpm.Tool("tpm2_nvundefine", "-C", "o", hex);
        }
        catch (InvalidOperationException)
        {
            // Not defined yet.
        }
        tpm.Tool("tpm2_nvdefine", "-C", "o", "-s", size.ToString(), "-a", attributes, hex);
        byte[] data = RandomNumberGenerator.GetBytes(size);
        string file = tpm.NewFile("nv.bin");
        File.WriteAllBytes(file, data);
        tpm.Tool("tpm2_nvwrite", "-C", "o", "-i", file, hex);
        return data;
    }

    [Fact]
    public void Reads_an_index_larger_than_TPM_PT_NV_BUFFER_MAX_in_chunks()
    {
        byte[] data = Define(0x01500010, 2048, "ownerread|ownerwrite|authread|authwrite");
        uint bufferMax = tpm.With(t => TpmProperties.Get(t, TpmPt.NvBufferMax));
        Assert.True(data.Length > bufferMax, $"index of {data.Length} bytes must need more than one {bufferMax}-byte chunk");
        Assert.Equal(data, tpm.With(t => TpmNv.ReadAll(t, 0x01500010)));
    }

    [Fact]
    public void Falls_back_to_owner_authorization_when_the_index_has_no_authread()
    {
        byte[] data = Define(0x01500011, 100, "ownerread|ownerwrite");
        var refused = Assert.Throws<TpmException>(() => tpm.With(t => TpmNv.ReadAll(t, 0x01500011, authHandle: 0x01500011)));
        Assert.NotNull(refused.ResponseCode);
        Assert.Equal(data, tpm.With(t => TpmNv.ReadAll(t, 0x01500011)));
    }
}
