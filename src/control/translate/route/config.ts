// Settings every generated RouteConfiguration shares.

/** Istio raises Envoy's 4 KiB direct-response body limit to 1 MiB (what its validation allows). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;
