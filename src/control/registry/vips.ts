// Virtual IPs for Services that do not bring a clusterIP (on the local platform, none do).
// A VIP is derived from a hash of `namespace/name` inside the service CIDR (10.96.0.0/12,
// Kubernetes' default), probing forward on collision, and is kept for as long as the
// Service exists — so the same Services added in the same order always get the same VIPs,
// and a Service's VIP never moves because another one came or went. The first two and the
// last address of the range are never handed out (network, the API server's .1, broadcast).

export class VipAllocator {
  private readonly base: number;
  private readonly size: number;
  /** key → allocated VIP. */
  private readonly byKey = new Map<string, string>();
  /** allocated VIP → key. */
  private readonly byIp = new Map<string, string>();
  /** explicit (user-given) IP → keys that declare it. */
  private readonly reserved = new Map<string, Set<string>>();
  private readonly reservedBy = new Map<string, string[]>();

  constructor(cidr = '10.96.0.0/12') {
    const [ip, bits] = cidr.split('/');
    const prefix = Number(bits);
    const parsed = ip === undefined ? undefined : ipv4ToInt(ip);
    if (parsed === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 28) throw new Error(`VipAllocator: invalid IPv4 CIDR "${cidr}"`);
    this.size = 2 ** (32 - prefix);
    this.base = parsed - (parsed % this.size);
  }

  /** The VIP held by `key`, allocating one if it has none. */
  allocate(key: string): string {
    const held = this.byKey.get(key);
    if (held) return held;
    const usable = this.size - 3;
    if (this.byIp.size + this.reserved.size >= usable) throw new Error(`VipAllocator: service CIDR exhausted (${usable} addresses)`);
    let offset = fnv1a(key) % usable;
    for (;;) {
      const ip = intToIpv4(this.base + 2 + offset);
      if (!this.byIp.has(ip) && !this.reserved.has(ip)) {
        this.byKey.set(key, ip);
        this.byIp.set(ip, key);
        return ip;
      }
      offset = (offset + 1) % usable;
    }
  }

  /** The VIP allocated to `key`, if any. */
  get(key: string): string | undefined {
    return this.byKey.get(key);
  }

  release(key: string): void {
    const ip = this.byKey.get(key);
    if (ip === undefined) return;
    this.byKey.delete(key);
    this.byIp.delete(ip);
  }

  /**
   * Records the explicit IPs `key` uses (replacing its earlier ones). An explicit IP wins over
   * an allocated one: returns the keys that lost their VIP to it and must allocate again.
   */
  reserve(key: string, ips: readonly string[]): string[] {
    this.unreserve(key);
    const evicted: string[] = [];
    for (const ip of ips) {
      let set = this.reserved.get(ip);
      if (!set) this.reserved.set(ip, (set = new Set()));
      set.add(key);
      const holder = this.byIp.get(ip);
      if (holder !== undefined && holder !== key) {
        this.release(holder);
        evicted.push(holder);
      }
    }
    this.reservedBy.set(key, [...ips]);
    return evicted;
  }

  unreserve(key: string): void {
    for (const ip of this.reservedBy.get(key) ?? []) {
      const set = this.reserved.get(ip);
      set?.delete(key);
      if (set?.size === 0) this.reserved.delete(ip);
    }
    this.reservedBy.delete(key);
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
