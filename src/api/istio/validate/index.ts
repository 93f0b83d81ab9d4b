// Registers every kind's spec validator. validation.ts imports this module for its side
// effect; each kind's rules live in the file named after it.
import { validateAuthorizationPolicy } from './authorization-policy.js';
import { validateNamespace, validateService } from './core.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateGateway } from './gateway.js';
import { validatePeerAuthentication } from './peer-authentication.js';
import { registerSpecValidator, type SpecValidator } from './registry.js';
import { validateRequestAuthentication } from './request-authentication.js';
import { validateServiceEntry } from './service-entry.js';
import { validateSidecar } from './sidecar.js';
import { validateTelemetry } from './telemetry.js';
import { validateVirtualService } from './virtual-service.js';
import { validateWorkloadEntry } from './workload-entry.js';
import { validateDeployment, validatePod, validateServiceAccount } from './workloads.js';

const VALIDATORS: Record<string, SpecValidator> = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Gateway: validateGateway,
  ServiceEntry: validateServiceEntry,
  WorkloadEntry: validateWorkloadEntry,
  Sidecar: validateSidecar,
  PeerAuthentication: validatePeerAuthentication,
  RequestAuthentication: validateRequestAuthentication,
  AuthorizationPolicy: validateAuthorizationPolicy,
  Telemetry: validateTelemetry,
  Service: validateService,
  Namespace: validateNamespace,
  Pod: validatePod,
  Deployment: validateDeployment,
  ServiceAccount: validateServiceAccount,
};

for (const [kind, validate] of Object.entries(VALIDATORS)) registerSpecValidator(kind, validate);
