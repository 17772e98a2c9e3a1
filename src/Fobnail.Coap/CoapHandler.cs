namespace Fobnail.Coap;

/// <summary>Answers one request routed to it by <see cref="CoapServer"/>.</summary>
public delegate ValueTask<CoapServerResponse> CoapHandler(CoapRequestContext context);
