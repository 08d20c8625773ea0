/**
 * The built-in demo dataset: seeded support questions and rated replies (see DEMO.md).
 *
 * @example
 *   await writeDemoDataset('demo.jsonl')   // 300 questions x 6 replies, rated 0-4 on five attributes
 */
export {
  DEMO_DEFAULTS,
  type DemoExample,
  type DemoOptions,
  generateDemoDataset,
  resolveDemoOptions,
} from './generate.ts'
export {
  DEMO_ATTRIBUTES,
  DEMO_RUBRIC,
  DEMO_SCALE,
  type DemoAttribute,
  type ResponseQualities,
  rubricScores,
} from './rubric.ts'
export { type DemoWriteResult, demoDataOptions, writeDemoDataset } from './write.ts'
