// Pilot: the control plane process — an ADS server (15010) and the status/monitoring
// server (15014) over one ResourceSource. Later parts (config store, registry,
// translation) provide the source; `--resources FILE` serves a file of Envoy resources.
import { AdsServer } from './xds/server.js';
import { StatusServer } from './status/server.js';
import type { ResourceSource } from './xds/source.js';
import { logger } from '../shared/log.js';

const log = logger('pilot');

export interface PilotOptions {
  source: ResourceSource;
  host?: string;
  xdsPort?: number;
  monitoringPort?: number;
  debounceQuietMs?: number;
  debounceMaxMs?: number;
}

export class Pilot {
  readonly ads: AdsServer;
  readonly status: StatusServer;
  xdsPort = 0;
  monitoringPort = 0;

  constructor(private readonly opts: PilotOptions) {
    this.ads = new AdsServer({
      source: opts.source,
      ...(opts.debounceQuietMs !== undefined ? { debounceQuietMs: opts.debounceQuietMs } : {}),
      ...(opts.debounceMaxMs !== undefined ? { debounceMaxMs: opts.debounceMaxMs } : {}),
    });
    this.status = new StatusServer({ ads: this.ads });
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    this.xdsPort = await this.ads.listen(this.opts.xdsPort ?? 15010, host);
    try {
      this.monitoringPort = await this.status.listen(this.opts.monitoringPort ?? 15014, host);
    } catch (err) {
      await this.ads.close();
      throw err;
    }
    log.info('control plane serving', { xds: `${host}:${this.xdsPort}`, monitoring: `${host}:${this.monitoringPort}` });
  }

  async stop(): Promise<void> {
    await Promise.all([this.ads.close(), this.status.close()]);
  }
}
