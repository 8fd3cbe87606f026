export { describeHpa, describePod } from './describe.js';
export {
  getDeployments,
  getEvents,
  getHpas,
  getPods,
  getServices,
  hpaTargets,
  topPods,
  type TableOptions,
} from './get.js';
export { toJson, toYaml } from './output.js';
export { formatMilliDecimal } from './quantity.js';
export { DESCRIBE, TABLE, tabwrite } from './tabwriter.js';
export { age, humanDuration, rfc1123z } from './time.js';
