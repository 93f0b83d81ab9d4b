// A minimal TLS ClientHello reader (Envoy's tls_inspector): from the first bytes of a
// connection, whether it is TLS and which server name (SNI) it asks for, so a listener
// can pick its filter chain before the handshake.

export type ClientHelloPeek =
  | { kind: 'more' } // need more bytes
  | { kind: 'plaintext' }
  | { kind: 'tls'; serverName: string };

/** Largest first record we wait for (a TLS record's maximum plus its header). */
export const MAX_CLIENT_HELLO = 16_384 + 5;

export function peekClientHello(buf: Buffer): ClientHelloPeek {
  if (buf.length < 1) return { kind: 'more' };
  if (buf[0] !== 0x16) return { kind: 'plaintext' }; // not a handshake record
  if (buf.length < 5) return { kind: 'more' };
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return buf.length >= MAX_CLIENT_HELLO ? { kind: 'tls', serverName: '' } : { kind: 'more' };
  return { kind: 'tls', serverName: serverNameOf(buf.subarray(5, 5 + recordLen)) };
}

/** The SNI host name of a ClientHello handshake message; '' if absent or unreadable. */
function serverNameOf(hs: Buffer): string {
  try {
    if (hs[0] !== 0x01) return ''; // not a ClientHello
    let p = 4 + 2 + 32; // handshake header, client_version, random
    p += 1 + hs.readUInt8(p); // session_id
    p += 2 + hs.readUInt16BE(p); // cipher_suites
    p += 1 + hs.readUInt8(p); // compression_methods
    if (p + 2 > hs.length) return '';
    const end = Math.min(hs.length, p + 2 + hs.readUInt16BE(p));
    p += 2;
    while (p + 4 <= end) {
      const type = hs.readUInt16BE(p);
      const len = hs.readUInt16BE(p + 2);
      p += 4;
      if (type === 0) {
        // server_name: list length, then (name_type, length, name)*
        let q = p + 2;
        while (q + 3 <= p + len) {
          const nameType = hs.readUInt8(q);
          const nameLen = hs.readUInt16BE(q + 1);
          if (nameType === 0) return hs.toString('latin1', q + 3, q + 3 + nameLen).toLowerCase();
          q += 3 + nameLen;
        }
        return '';
      }
      p += len;
    }
  } catch {
    // RangeError on a truncated message: no SNI.
  }
  return '';
}
