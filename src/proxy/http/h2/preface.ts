// HTTP/2 prior knowledge on an HTTP filter chain: the first bytes of a downstream
// connection decide its codec. A connection that opens with the HTTP/2 connection preface
// (RFC 9113 §3.4) goes to the chain's HTTP/2 connection manager; anything else to the
// HTTP/1.1 one, exactly as before. Nothing is consumed: peeked bytes are unshifted, and
// node:http2 reads them from the socket's buffer before it reads the native handle.
import type { Socket } from 'node:net';
import { idleSockets, type HttpConnectionManager } from '../connection-manager.js';
import { H2ConnectionManager } from './h2-connection-manager.js';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One HTTP/2 manager per HTTP/1.1 manager (same config, state and stats), built on first use. */
const h2Managers = new WeakMap<HttpConnectionManager, H2ConnectionManager>();

function h2For(hcm: HttpConnectionManager): H2ConnectionManager {
  let m = h2Managers.get(hcm);
  if (!m) h2Managers.set(hcm, (m = new H2ConnectionManager(hcm.config, hcm.proxyState, hcm.stats)));
  return m;
}

/** 'h2' when `buf` starts with the preface, 'h1' when it cannot, 'more' when too short to tell. */
export function sniffPreface(buf: Buffer): 'h2' | 'h1' | 'more' {
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.subarray(0, n).compare(H2_PREFACE, 0, n) !== 0) return 'h1';
  return n === H2_PREFACE.length ? 'h2' : 'more';
}

/**
 * Hands an HTTP chain's connection to the HTTP/1.1 or HTTP/2 connection manager. Until the
 * first bytes arrive the socket counts as idle (a draining proxy closes it) and the HCM's
 * idle timeout applies, as it would in the HTTP/1.1 manager.
 */
export function handleHttpConnection(hcm: HttpConnectionManager, socket: Socket): void {
  if ((socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2') {
    h2For(hcm).handle(socket);
    return;
  }
  let buf: Buffer = Buffer.alloc(0);
  const idleMs = hcm.config.idleTimeoutMs;
  const timer = idleMs > 0 ? setTimeout(() => socket.end(), idleMs) : undefined;
  const onError = () => socket.destroy();
  const onClose = () => clearTimeout(timer);
  const onData = (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const kind = sniffPreface(buf);
    if (kind === 'more') return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', onClose);
    idleSockets.delete(socket);
    if (kind === 'h2') {
      // node:http2 consumes the socket's native handle and first receives what is already in
      // the socket's read buffer, so the peeked preface goes back there; the session then
      // reads the connection directly, with no JavaScript stream in between.
      socket.pause();
      socket.unshift(buf);
      h2For(hcm).handle(socket);
      return;
    }
    socket.pause();
    socket.unshift(buf);
    hcm.handle(socket);
    socket.resume();
  };
  idleSockets.add(socket);
  socket.on('error', onError);
  socket.on('close', onClose);
  socket.on('data', onData);
}
