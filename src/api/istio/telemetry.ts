// telemetry.istio.io types (v1, v1alpha1): Telemetry. Field names are Istio's.
import type { PolicyTargetReference, WorkloadSelectorML } from './security.js';

export interface ProviderRef {
  name: string;
}

export interface TelemetrySpec {
  selector?: WorkloadSelectorML;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  tracing?: {
    match?: { mode?: 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER' };
    providers?: ProviderRef[];
    randomSamplingPercentage?: number;
    disableSpanReporting?: boolean;
    customTags?: Record<string, { literal?: { value: string }; environment?: { name: string; defaultValue?: string }; header?: { name: string; defaultValue?: string } }>;
    useRequestIdForTraceSampling?: boolean;
  }[];
  metrics?: {
    providers?: ProviderRef[];
    overrides?: {
      match?: { metric?: string; mode?: 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER'; customMetric?: string };
      disabled?: boolean;
      tagOverrides?: Record<string, { operation?: 'UPSERT' | 'REMOVE'; value?: string }>;
    }[];
    reportingInterval?: string;
  }[];
  accessLogging?: {
    match?: { mode?: 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER' };
    providers?: ProviderRef[];
    disabled?: boolean;
    filter?: { expression?: string };
  }[];
}
