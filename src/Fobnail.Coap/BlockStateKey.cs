using System.Net;

namespace Fobnail.Coap;

/// <summary>
/// Key of server-side block-wise state: (method, Uri-Path, client endpoint), NOT the CoAP token, like the
/// firmware's RequestCacheKey (protocol §3.5).
/// </summary>
internal readonly record struct BlockStateKey(CoapCode Method, string Path, IPEndPoint Remote);
