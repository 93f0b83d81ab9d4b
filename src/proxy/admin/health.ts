// The health endpoint Istio's sidecars serve on 15021: `GET /healthz/ready` answers 200 once
// the proxy has its first config from the control plane (listeners and clusters applied) and
// is not draining, else 503 with the reason — what a platform's readiness probe and a
// load balancer in front of a gateway check. Nothing else is served on this port.
import { createServer, type Server } from 'node:http';

export interface HealthState {
  /** undefined when ready; otherwise why not (shown in the 503 body). */
  notReady(): string | undefined;
}

export class HealthServer {
  private readonly server: Server;

  constructor(state: HealthState) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/healthz/ready') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('health paths: /healthz/ready\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
        return;
      }
      const why = state.notReady();
      res.writeHead(why ? 503 : 200, { 'content-type': 'text/plain' }).end(why ? `not ready: ${why}\n` : 'ready\n');
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Binds; resolves with the bound port (port 0 = any). */
  listen(port: number, address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
