// The HTTP fault injection filter (envoy.filters.http.fault): delays requests and aborts
// them with an HTTP or gRPC status, for a sampled fraction of matching requests, as Envoy's
// fault filter does.
//
// Per request: the route's per-filter HTTPFault replaces the listener-level one; the
// request must come from one of downstream_nodes (when set) and match every header
// matcher; then a delay is sampled (flag DI), and an abort is sampled after the delay or
// immediately when there is none (flag FI, body "fault filter abort"). A stream charges at
// most one active fault against max_active_faults while its fault is in effect; the count
// is shared by the listener's filter whatever route settings are used, as in Envoy.
//
// Not supported: response_rate_limit (rejected), upstream_cluster (ignored, logged once),
// runtime keys (no runtime layer), filter_metadata, downstream-cluster stats.
import type { Any } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { HTTPFaultSchema } from '../../../api/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { TYPE_PREFIX } from '../../../api/envoy/types.js';
import type { HttpFilterFactory, HttpRequestView, HttpStreamFilter, LocalReply, StreamInfo } from '../../http/filter.js';
import { ErrorCollector, fail, type Result } from '../../../shared/result.js';
import { httpToGrpcStatus, sampleFraction, unpackFilterConfig } from './config-util.js';
import {
  abortGrpcStatus,
  abortHttpStatus,
  abortPercentage,
  compileFaultSettings,
  delayDurationMs,
  delayPercentage,
  FaultHeaders,
  type FaultSettings,
  type RequestHeaderLookup,
} from './fault-settings.js';

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const FAULT_TYPE_URL = `${TYPE_PREFIX}${HTTPFaultSchema.typeName}`;
export const FAULT_ABORT_BODY = 'fault filter abort';

/** Envoy's fault filter stats (http.<stat_prefix>.fault.*). */
export interface FaultStats {
  delays_injected: number;
  aborts_injected: number;
  faults_overflow: number;
  /** Gauge: streams with a fault in effect now. */
  active_faults: number;
}

/** The listener-level filter config: default settings plus state shared by its streams. */
export class FaultFilterConfig {
  readonly stats: FaultStats = { delays_injected: 0, aborts_injected: 0, faults_overflow: 0, active_faults: 0 };
  constructor(readonly settings: FaultSettings) {}
}

export function compileFault(any: Any | undefined): Result<FaultSettings> {
  const errors = new ErrorCollector();
  const fault = any ? unpackFilterConfig(any, HTTPFaultSchema, errors) : create(HTTPFaultSchema, {});
  if (!fault) return fail(...errors.errors);
  const settings = compileFaultSettings(fault, errors);
  return errors.result(settings);
}

export const faultFilterFactory: HttpFilterFactory<FaultFilterConfig, FaultSettings> = {
  name: FAULT_FILTER_NAME,
  typeUrl: FAULT_TYPE_URL,
  compile(config) {
    const r = compileFault(config);
    return r.ok ? { ok: true, value: new FaultFilterConfig(r.value) } : r;
  },
  compileRoute(config) {
    return compileFault(config);
  },
  create(config) {
    return new FaultFilter(config);
  },
};

function requestHeaderLookup(req: HttpRequestView): RequestHeaderLookup {
  return (name) => {
    switch (name) {
      case ':method':
        return req.method;
      case ':path':
        return req.path;
      case ':authority':
        return req.authority;
      case ':scheme':
        return req.scheme;
      default:
        return req.headers.get(name, true);
    }
  };
}

class FaultFilter implements HttpStreamFilter {
  /** Whether this stream holds one of the config's active faults. */
  private active = false;

  constructor(private readonly config: FaultFilterConfig) {}

  onRequest(req: HttpRequestView, info: StreamInfo): LocalReply | undefined | Promise<LocalReply | undefined> {
    const settings = info.perFilterConfig<FaultSettings>(FAULT_FILTER_NAME) ?? this.config.settings;
    if (!settings.delay && !settings.abort) return undefined;
    if (settings.downstreamNodes.size > 0) {
      const node = req.headers.get(FaultHeaders.downstreamServiceNode);
      if (node === undefined || !settings.downstreamNodes.has(node)) return undefined;
    }
    if (settings.headers.length > 0) {
      const get = requestHeaderLookup(req);
      if (!settings.headers.every((m) => m(get))) return undefined;
    }

    const delayMs = this.delayDuration(settings, req, info);
    if (delayMs !== undefined && this.tryActivate(settings)) {
      this.config.stats.delays_injected++;
      info.flags.add('DI');
      return new Promise((resolve) => {
        info.clock.setTimeout(() => {
          // Delays can be followed by aborts; the abort is sampled now, as in Envoy.
          const reply = this.maybeAbort(settings, req, info);
          this.release();
          resolve(reply);
        }, delayMs);
      });
    }
    const reply = this.maybeAbort(settings, req, info);
    this.release();
    return reply;
  }

  private delayDuration(settings: FaultSettings, req: HttpRequestView, info: StreamInfo): number | undefined {
    const d = settings.delay;
    if (!d || !sampleFraction(delayPercentage(d, req.headers), info.random)) return undefined;
    return delayDurationMs(d, req.headers);
  }

  private maybeAbort(settings: FaultSettings, req: HttpRequestView, info: StreamInfo): LocalReply | undefined {
    const a = settings.abort;
    if (!a || !sampleFraction(abortPercentage(a, req.headers), info.random)) return undefined;
    // An HTTP status wins; a gRPC status alone answers HTTP 200 with that grpc-status.
    const http = abortHttpStatus(a, req.headers);
    const grpc = http === undefined ? abortGrpcStatus(a, req.headers) : undefined;
    if (http === undefined && grpc === undefined) return undefined;
    if (!this.tryActivate(settings)) return undefined;
    this.config.stats.aborts_injected++;
    const status = http ?? 200;
    const reply: LocalReply = { status, body: FAULT_ABORT_BODY, flag: 'FI' };
    const grpcStatus = grpc ?? (req.grpc ? httpToGrpcStatus(status) : undefined);
    if (grpcStatus !== undefined) reply.grpcStatus = grpcStatus;
    return reply;
  }

  /** Charges this stream's fault (once); false when max_active_faults is reached. */
  private tryActivate(settings: FaultSettings): boolean {
    if (this.active) return true;
    const max = settings.maxActiveFaults;
    if (max !== undefined && this.config.stats.active_faults >= max) {
      this.config.stats.faults_overflow++;
      return false;
    }
    this.config.stats.active_faults++;
    this.active = true;
    return true;
  }

  /** The fault is over: the delay elapsed (the request goes on), or the abort reply ends the stream. */
  private release(): void {
    if (!this.active) return;
    this.active = false;
    this.config.stats.active_faults--;
  }
}
