// Write batching across the sockets served in one event-loop turn. Under load one turn
// handles many connections; writing each response or upstream request the moment it is
// ready wakes the peer (another process, often on another CPU) once per write. Sockets
// written during a turn are corked and all uncorked in the check phase (setImmediate),
// after the poll phase has dispatched every ready socket, so the peers wake once per turn
// and find a batch. Each socket still gets one write of its own; when a turn handles a
// single request (light load) the delay is that of one setImmediate.
import type { Socket } from 'node:net';

const held: Socket[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  // A socket corked here is flushed in order; ones corked while flushing wait for the next turn.
  const n = held.length;
  for (let i = 0; i < n; i++) {
    const s = held[i]!;
    if (!s.destroyed) s.uncork();
  }
  held.splice(0, n);
}

/** Corks `socket` (once per turn) so what is written to it this turn leaves at the turn's end. */
export function holdWrites(socket: Socket): void {
  if (socket.writableCorked > 0) return;
  socket.cork();
  held.push(socket);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}
