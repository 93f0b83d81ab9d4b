// gRPC-aware local replies, as Envoy's sendLocalReply does for a gRPC request: the answer is
// a trailers-only response — HTTP 200, `content-type: application/grpc`, `grpc-status` and a
// percent-encoded `grpc-message`, no body — so gRPC clients see a status, not a protocol error.
import type { MessageHead } from './h1/index.js';

/** gRPC status codes used here (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  UNKNOWN: 2,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function httpToGrpcStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** Whether a request head is gRPC (content-type application/grpc, application/grpc+proto, …). Slow path only. */
export function isGrpcHead(head: MessageHead): boolean {
  const h = head.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (h[i]!.length === 12 && h[i]!.toLowerCase() === 'content-type') return h[i + 1]!.toLowerCase().startsWith('application/grpc');
  }
  return false;
}

/** Percent-encodes a grpc-message value (gRPC over HTTP/2: bytes outside 0x20–0x7E, and '%'). */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
