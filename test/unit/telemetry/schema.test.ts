import { describe, expect, it } from 'vitest'
import { ArtifactMetadataSchema, ArtifactSchema } from '../../../src/contracts/telemetry.js'
import { contractProblems } from '../../../src/output/telemetry/verify.js'
import { validArtifact, validMetadata } from './fixtures.js'

/** A deep copy of `value` with the field at `path` deleted. */
function without(value: unknown, path: readonly (string | number)[]): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>
  let parent = copy
  for (const segment of path.slice(0, -1)) parent = parent[segment] as typeof parent
  delete parent[path[path.length - 1] as string | number]
  return copy
}

/** A deep copy of `value` with the field at `path` set to `replacement`. */
function withValue(
  value: unknown,
  path: readonly (string | number)[],
  replacement: unknown,
): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>
  let parent = copy
  for (const segment of path.slice(0, -1)) parent = parent[segment] as typeof parent
  parent[path[path.length - 1] as string | number] = replacement
  return copy
}

/** A file whose artifact has every nullable object filled in, so their fields are checked too. */
function fullMetadata(): ReturnType<typeof validMetadata> {
  return validMetadata({
    artifacts: [
      validArtifact({
        gpu_memory: { before_mib: 1024, after_mib: 5120.5, delta_mib: 4096.5 },
        done_marker: { result: 'forced_copy', waited_ms: 30000, warning: 'marker never appeared' },
      }),
    ],
  })
}

/** The path of every field of the contract in `fullMetadata()`, leaves and objects. */
function requiredPaths(): (string | number)[][] {
  const full = fullMetadata()
  const artifact = full.artifacts[0] as Record<string, unknown>
  const paths: (string | number)[][] = []
  for (const key of Object.keys(full)) paths.push([key])
  for (const key of Object.keys(full.run)) paths.push(['run', key])
  for (const key of Object.keys(artifact)) {
    paths.push(['artifacts', 0, key])
    const value = artifact[key]
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const inner of Object.keys(value)) paths.push(['artifacts', 0, key, inner])
    }
  }
  paths.push(['artifacts', 0, 'errors', 0, 'code'], ['artifacts', 0, 'errors', 0, 'message'])
  return paths
}

function shown(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s),
    '',
  )
}

describe('ArtifactMetadataSchema', () => {
  it('accepts a complete record, and a record with every nullable value null', () => {
    expect(contractProblems(fullMetadata())).toEqual([])
    const nulls = validMetadata({
      run: { ...validMetadata().run, commit: null, attempt: null, repository: null },
      artifacts: [
        validArtifact({
          path: 'metadata/generation-report.json',
          media_type: 'application/json',
          width: null,
          height: null,
          model: null,
          timings: { queue_wait_ms: null, generation_ms: null, download_ms: null, total_ms: null },
          attempts: 0,
          retries: 0,
          errors: [],
          cost: null,
        }),
      ],
    })
    expect(ArtifactMetadataSchema.safeParse(nulls).success).toBe(true)
  })

  it('keeps extra fields', () => {
    const data = { ...validMetadata(), producer: 'test', artifacts: [{ ...validArtifact(), x: 1 }] }
    const parsed = ArtifactMetadataSchema.parse(data)
    expect(parsed['producer']).toBe('test')
    expect(parsed.artifacts[0]?.['x']).toBe(1)
  })

  it('covers every field the contract lists', () => {
    expect(Object.keys(ArtifactSchema.shape).sort()).toEqual(
      [
        'path',
        'sha256',
        'bytes',
        'media_type',
        'width',
        'height',
        'frames',
        'duration_s',
        'model',
        'timings',
        'attempts',
        'retries',
        'errors',
        'gpu_memory',
        'done_marker',
        'cost',
        'preview',
        'provenance',
      ].sort(),
    )
    expect(requiredPaths().length).toBeGreaterThan(40)
  })

  const optional = new Set(['earlier_stages'])
  it.each(requiredPaths().map((p) => [shown(p), p] as const))(
    'fails naming %s when it is removed',
    (name, path) => {
      if (optional.has(name)) return
      const problems = contractProblems(without(fullMetadata(), path))
      expect(problems).toContain(`${name}: missing`)
      expect(problems).toHaveLength(1)
    },
  )

  it.each([
    [['schema_version'], 2],
    [['stage'], ''],
    [['run', 'commit'], 'not-a-commit'],
    [['run', 'started_at'], 'yesterday'],
    [['run', 'duration_ms'], -1],
    [['run', 'attempt'], 0],
    [['artifacts', 0, 'path'], '../outside.png'],
    [['artifacts', 0, 'path'], '/abs/file.png'],
    [['artifacts', 0, 'path'], 'images\\generated-image.png'],
    [['artifacts', 0, 'path'], 'metadata/artifact-metadata.json'],
    [['artifacts', 0, 'sha256'], 'ABC'],
    [['artifacts', 0, 'bytes'], 1.5],
    [['artifacts', 0, 'media_type'], 'png'],
    [['artifacts', 0, 'width'], 0],
    [['artifacts', 0, 'timings', 'generation_ms'], 12.5],
    [['artifacts', 0, 'done_marker'], { result: 'maybe', waited_ms: 0, warning: null }],
    [['artifacts', 0, 'cost', 'usd'], -1],
    [['artifacts', 0, 'preview'], 'no'],
  ] as const)('fails naming %j when it is malformed (%j)', (path, value) => {
    const problems = contractProblems(withValue(validMetadata(), path, value))
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.every((p) => p.startsWith(shown(path)))).toBe(true)
    expect(problems[0]).toMatch(/\(got .+\)$/)
  })

  it('fails when a run ends before it started', () => {
    const run = { ...validMetadata().run, ended_at: '2025-11-13T09:29:00.000Z' }
    expect(contractProblems(validMetadata({ run }))).toEqual([
      expect.stringMatching(/^run\.ended_at: ended_at is before started_at/),
    ])
  })

  it('validates the records of earlier stages like the top level', () => {
    const earlier = without(validMetadata({ stage: 'image-generation-v2' }), [
      'artifacts',
      0,
      'bytes',
    ])
    const problems = contractProblems({ ...validMetadata(), earlier_stages: [earlier] })
    expect(problems).toEqual(['earlier_stages[0].artifacts[0].bytes: missing'])
  })

  it('names the root when the file is not an object', () => {
    expect(contractProblems([])).toEqual([expect.stringMatching(/^\(root\): /)])
  })
})
