// Byte classes of HTTP/1.1 as lookup tables (1 = allowed), so validation is one array read
// per byte. Grammar references: RFC 9110 §5.6.2 token, §5.5 field-value, §5.6.4 quoted-string;
// RFC 9112 §3.2 request-target; RFC 3986 §3.2.2 host.

function table(pred: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = pred(b) ? 1 : 0;
  return t;
}

const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isVchar = (b: number): boolean => b >= 0x21 && b <= 0x7e;
const inSet = (s: string) => (b: number): boolean => s.includes(String.fromCharCode(b));

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** tchar: `!#$%&'*+-.^_`|~`, DIGIT, ALPHA. */
export const TOKEN = table((b) => isAlpha(b) || isDigit(b) || inSet("!#$%&'*+-.^_`|~")(b));

/** field-value bytes: HTAB, SP, VCHAR, obs-text (0x80-0xFF). No CR, LF, NUL, other CTLs or DEL. */
export const FIELD_VALUE = table((b) => b === HTAB || b === SP || isVchar(b) || b >= 0x80);

/**
 * request-target bytes: VCHAR except `#` (a fragment is never part of a request-target;
 * Envoy and HAProxy reject it — CVE-2023-45539). No obs-text: raw UTF-8 must be percent-encoded.
 */
export const TARGET = table((b) => isVchar(b) && b !== 0x23);

/** Host field value bytes: reg-name / IP-literal / IPv4 plus `:` port (RFC 3986). */
export const HOST = table((b) => isAlpha(b) || isDigit(b) || inSet("-._~%!$&'()*+,;=:[]")(b));

/** URI scheme bytes after the first ALPHA. */
export const SCHEME = table((b) => isAlpha(b) || isDigit(b) || inSet('+-.')(b));

/** quoted-string qdtext: HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E, obs-text. */
export const QDTEXT = table((b) => b === HTAB || b === SP || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80);

/** Hex digit value, or -1. */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

/** True if every char of `s` is a field-value byte (HTAB, SP, VCHAR, obs-text): nothing that could end or split a line. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return false;
  }
  return true;
}

/** True if every char of `s` is a tchar (used for strings that did not come from the parser). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}
