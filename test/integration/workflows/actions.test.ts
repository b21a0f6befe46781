import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { actionFiles, actionParserErrors, ROOT } from './lint.js'

type Action = {
  inputs: Record<string, { default?: string; [key: string]: unknown }>
  runs: { using: string; [key: string]: unknown }
  [key: string]: unknown
}

/** The deliberately broken copies of an action.yml: name, change, and what the parser must say. */
const BREAKAGES: [string, (a: Action) => void, RegExp][] = [
  [
    'an unknown top-level key',
    (a) => {
      a['inputz'] = a.inputs
      delete (a as Partial<Action>).inputs
    },
    /Unexpected value 'inputz'/,
  ],
  [
    'a runtime GitHub does not have',
    (a) => {
      a.runs.using = 'node99'
    },
    /Unexpected value 'node99'/,
  ],
  [
    'a default with an unknown context',
    (a) => {
      const first = Object.values(a.inputs)[0] as { default?: string }
      first.default = '${{ foo.bar }}'
    },
    /Unrecognized named-value: 'foo'/,
  ],
  [
    'a malformed expression',
    (a) => {
      const first = Object.values(a.inputs)[0] as { default?: string }
      first.default = '${{ github.ref == ( }}'
    },
    /Unexpected end of expression|Unexpected symbol/,
  ],
]

const files = actionFiles()

it('lists the root action and one action per stage', () => {
  expect(files[0]).toBe('action.yml')
  expect(files).toEqual(
    expect.arrayContaining([
      'actions/image-generation/action.yml',
      'actions/web-player-generation/action.yml',
      'actions/threejs-pointcloud-viewer/action.yml',
    ]),
  )
})

describe.each(files)('%s', (file) => {
  const source = readFileSync(path.join(ROOT, file), 'utf8')

  it('parses with GitHub’s action parser without errors', () => {
    expect(actionParserErrors(source, file)).toEqual([])
  })

  it.each(BREAKAGES.map(([name, change, expected]) => ({ name, change, expected })))(
    'fails to parse with $name',
    ({ change, expected }) => {
      const action = parse(source) as Action
      change(action)
      expect(actionParserErrors(stringify(action), file).join('\n')).toMatch(expected)
    },
  )
})
