// Istio percentages → Envoy FractionalPercent, the way Istio converts them: a `Percent`
// (double, 0–100) becomes parts per MILLION; a legacy integer percent becomes parts per HUNDRED.
import { create } from '@bufbuild/protobuf';
import { FractionalPercentSchema, FractionalPercent_DenominatorType, type FractionalPercent } from '../../../api/gen/envoy/type/v3/percent_pb.js';

/** `percentage: {value: 12.5}` → 125000/MILLION. Rounded (Istio truncates; rounding avoids 0.29 → 2899). */
export function percentToFractional(value: number): FractionalPercent {
  return create(FractionalPercentSchema, {
    numerator: Math.max(0, Math.round(value * 10_000)),
    denominator: FractionalPercent_DenominatorType.MILLION,
  });
}

/** Legacy integer percent (`percent: 50`, `mirrorPercent: 50`) → 50/HUNDRED. */
export function integerToFractional(value: number): FractionalPercent {
  return create(FractionalPercentSchema, { numerator: Math.max(0, Math.trunc(value)), denominator: FractionalPercent_DenominatorType.HUNDRED });
}
