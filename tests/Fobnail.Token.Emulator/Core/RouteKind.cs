namespace Fobnail.Token.Emulator.Core;

/// <summary>The firmware's resources (src/main.rs), one handler each.</summary>
internal enum RouteKind { Version, Nonce, TokenProvision, ProvisionComplete, ProvisionEk, ProvisionAik, Provision, Attest, Storage }
