export { runReferenceAgent } from './agent.js';
export type {
  AgentOptions,
  AgentReport,
  Diagnosis,
  Hypothesis,
  Symptom,
  TimelineStep,
  ToolClient,
} from './types.js';
