// Local replies: responses the proxy makes itself (no route, no healthy upstream, timeout,
// overflow, faults). Each carries Envoy's response flag in `x-rig-response-flags` and a
// body that says why, so a 503 is never a mystery.
import type { LocalReply, ResponseFlag } from './filter.js';

export function localReply(status: number, flag: ResponseFlag | undefined, body: string): LocalReply {
  return flag ? { status, flag, body } : { status, body };
}

export const noRoute = (authority: string, path: string): LocalReply => localReply(404, 'NR', `no route for ${authority}${path}`);
export const noCluster = (cluster: string): LocalReply => localReply(503, 'NC', `no cluster ${cluster}`);
export const noHealthyUpstream = (cluster: string): LocalReply => localReply(503, 'UH', `no healthy upstream for ${cluster}`);
export const overflow = (cluster: string, what: string): LocalReply => localReply(503, 'UO', `upstream overflow: ${what} limit of ${cluster} reached`);
export const upstreamTimeout = (cluster: string): LocalReply => localReply(504, 'UT', `upstream request timeout (${cluster})`);
export const connectFailure = (cluster: string, host: string, why: string): LocalReply =>
  localReply(503, 'UF', `upstream connect error or disconnect/reset before headers: ${host} in ${cluster}: ${why}`);
export const upstreamReset = (cluster: string, host: string): LocalReply =>
  localReply(503, 'UC', `upstream connect error or disconnect/reset before headers: connection to ${host} in ${cluster} terminated`);
export const upstreamProtocolError = (cluster: string, host: string, why: string): LocalReply => localReply(502, 'UPE', `upstream protocol error from ${host} in ${cluster}: ${why}`);
