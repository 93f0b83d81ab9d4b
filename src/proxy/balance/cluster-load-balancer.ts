// One cluster's load balancing state, tying the pieces together for the cluster manager:
// the current HostSet, the OutlierDetector tracking its hosts, and the current Picker,
// rebuilt whenever endpoints change (update) or the detector ejects or returns hosts. The
// router calls pick() per request and onResult() per attempt; it owns activeRequests.
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Clock, Random } from '../../shared/clock.js';
import type { Host, Locality } from './host.js';
import { HostSet } from './host-set.js';
import { lbConfigOf } from './lb-config.js';
import { OutlierDetector, type OutlierEvent, type OutlierResult } from './outlier-detection.js';
import { buildPicker, type PickContext, type Picker } from './picker.js';

export interface ClusterLoadBalancerOptions {
  clock: Clock;
  random: Random;
  localLocality?: Locality;
  /** Initial hosts (a STATIC cluster's); EDS clusters start empty until update(). */
  hostSet?: HostSet;
  onOutlierEvent?: (event: OutlierEvent) => void;
  /** A new picker is in place (stats, admin). */
  onRebuild?: (picker: Picker) => void;
}

export class ClusterLoadBalancer {
  readonly detector: OutlierDetector | undefined;
  private current: Picker;

  constructor(
    readonly cluster: Cluster,
    private readonly opts: ClusterLoadBalancerOptions,
  ) {
    const hostSet = opts.hostSet ?? HostSet.empty();
    this.detector = cluster.outlierDetection
      ? new OutlierDetector(cluster.outlierDetection, { clock: opts.clock, random: opts.random, onChange: () => this.rebuild(), onEvent: opts.onOutlierEvent })
      : undefined;
    this.detector?.setHosts(hostSet.hosts);
    this.current = buildPicker(lbConfigOf(cluster), hostSet, { random: opts.random, localLocality: opts.localLocality });
  }

  get picker(): Picker {
    return this.current;
  }

  get hostSet(): HostSet {
    return this.current.hostSet;
  }

  /** An EDS push (or a resolved DNS cluster's assignment): hosts that stay keep their state. */
  updateEndpoints(cla: ClusterLoadAssignment): void {
    this.update(HostSet.fromClusterLoadAssignment(cla, this.opts.localLocality, this.hostSet));
  }

  /** New endpoints; build `hostSet` with the current one as `previous` to keep runtime state. */
  update(hostSet: HostSet): void {
    this.detector?.setHosts(hostSet.hosts);
    this.current = this.current.rebuild(hostSet);
    this.opts.onRebuild?.(this.current);
  }

  pick(ctx?: PickContext): Host | undefined {
    return this.current.pick(ctx);
  }

  onResult(host: Host, result: OutlierResult): void {
    this.detector?.onResult(host, result);
  }

  close(): void {
    this.detector?.close();
  }

  private rebuild(): void {
    this.current = this.current.rebuild();
    this.opts.onRebuild?.(this.current);
  }
}
