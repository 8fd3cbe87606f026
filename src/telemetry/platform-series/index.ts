/** Platform series: cAdvisor and kube-state-metrics equivalents sampled from the Platform interface. */
export {
  PlatformSeriesCollector,
  PLATFORM_FAMILIES,
  KUBELET_TARGET,
  KUBE_STATE_TARGET,
  type PlatformSeriesOptions,
  type PlatformSource,
  type RoundResult,
} from './collector.js';
export { cadvisorSamples, CADVISOR_FAMILIES } from './cadvisor.js';
export { deploymentSamples, hpaSamples, podSamples, KUBE_STATE_FAMILIES } from './kube-state.js';
export type { PlatformSample } from './types.js';
