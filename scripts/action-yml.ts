/**
 * Renders `actions/<stage>/action.yml` from the stage command's input and output specs, so the
 * action metadata, the CLI flags and the docs never drift apart. `npm run build` writes the
 * files; a test fails when a committed file differs from what this renders.
 */
import { stringify } from 'yaml'
import type { StageCommand } from '../src/core/stage-command.js'

/**
 * The root action (`action.yml` at the top): the whole pipeline. Its description is what the
 * Marketplace lists, which takes at most 125 characters (a test checks it).
 */
export const ROOT_ACTION = {
  title: 'kamui media pipeline',
  main: 'dist/pipeline/index.js',
  description:
    'Concept to music video over MCP: images, keyframes, video clips, a point cloud and a web player.',
}

/** Branding shared by every action of the suite. */
const BRANDING = { icon: 'image', color: 'purple' }

export function renderActionYml(
  command: StageCommand,
  title: string,
  options: { main?: string; description?: string } = {},
): string {
  const inputs: Record<string, Record<string, unknown>> = {}
  for (const input of command.inputs) {
    inputs[input.name] = {
      description: input.description,
      required: input.required ?? false,
      ...(input.required ? {} : { default: input.default ?? '' }),
    }
  }
  const outputs: Record<string, Record<string, unknown>> = {}
  for (const output of command.outputs) outputs[output.name] = { description: output.description }
  const doc = {
    name: title,
    description: options.description ?? command.description,
    author: 'kamui-media-actions',
    branding: BRANDING,
    inputs,
    outputs,
    runs: { using: 'node24', main: options.main ?? `../../dist/${command.name}/index.js` },
  }
  return `# Generated from src/stages by scripts/build.ts: edit the stage's spec.ts, then npm run build.\n${stringify(doc, { lineWidth: 0, defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' })}`
}
