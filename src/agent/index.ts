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
export { runLlmAgent, type LlmReport, type ToolSpec } from './llm/loop.js';
export { llmConfigFromEnv, type LlmConfig } from './llm/config.js';
