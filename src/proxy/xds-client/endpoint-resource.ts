// EDS: the ClusterLoadAssignment resource (a cluster's endpoints by locality), validated
// structurally. Also used for the inline `load_assignment` of STATIC and DNS clusters.
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Address } from '../../api/gen/envoy/config/core/v3/address_pb.js';
import { ErrorCollector, type Result } from '../../shared/result.js';

/** Default validator for EDS resources; errors name the field, the decoder names the resource. */
export function validateClusterLoadAssignment(cla: ClusterLoadAssignment): Result<ClusterLoadAssignment> {
  const errors = new ErrorCollector();
  if (cla.clusterName === '') errors.add('cluster_name', 'must not be empty');
  checkLoadAssignment(cla, errors);
  return errors.result(cla);
}

/** Every endpoint must be a socket address with a host and a port in 1..65535. */
export function checkLoadAssignment(cla: ClusterLoadAssignment, errors: ErrorCollector): void {
  cla.endpoints.forEach((locality, i) => {
    if (locality.lbConfig.case === 'ledsClusterLocalityConfig') {
      errors.add(`endpoints[${i}].leds_cluster_locality_config`, 'LEDS is not supported');
    }
    locality.lbEndpoints.forEach((lb, j) => {
      const at = errors.at(`endpoints[${i}].lb_endpoints[${j}]`);
      switch (lb.hostIdentifier.case) {
        case 'endpoint':
          checkEndpointAddress(lb.hostIdentifier.value.address, at.at('endpoint.address'));
          break;
        case 'endpointName':
          at.add('endpoint_name', 'named endpoints are not supported');
          break;
        default:
          at.add('endpoint', 'required');
      }
    });
  });
}

function checkEndpointAddress(address: Address | undefined, errors: ErrorCollector): void {
  if (address?.address.case !== 'socketAddress') {
    const other = address?.address.case;
    errors.add('', other === undefined ? 'a socket_address is required' : `${snake(other)} is not supported, a socket_address is required`);
    return;
  }
  const sa = address.address.value;
  if (sa.address === '') errors.add('socket_address.address', 'must not be empty');
  const port = sa.portSpecifier;
  if (port.case === 'portValue') {
    if (port.value < 1 || port.value > 65535) errors.add('socket_address.port_value', `${port.value} is out of range 1..65535`);
  } else if (port.case === 'namedPort') {
    errors.add('socket_address.named_port', 'named ports are not supported');
  } else {
    errors.add('socket_address.port_value', 'required');
  }
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
