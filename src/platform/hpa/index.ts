export { DEFAULT_HPA_CONFIG, HpaController, type HpaControllerConfig } from './controller.js';
export { parseHpaManifest, type HpaManifest } from './manifest.js';
export {
  resourceReplicas,
  MetricError,
  type CalculatorTimings,
  type ReplicaProposal,
} from './replica-calculator.js';
