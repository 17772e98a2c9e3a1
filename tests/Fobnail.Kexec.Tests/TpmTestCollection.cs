namespace Fobnail.Kexec.Tests;

/// <summary>The one swtpm of this test assembly (see Fobnail.Testing.Tpm.TpmCollection).</summary>
[CollectionDefinition(TpmCollection.Name)]
public sealed class TpmTestCollection : ICollectionFixture<TpmFixture>;
