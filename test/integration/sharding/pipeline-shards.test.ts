import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { kamuiOk, kamuiTogether, pixelsOf, readJson } from './helpers.js'

/**
 * Issue 13: the pipeline takes `shard` too. A shard of a pipeline run makes its images only
 * (the image stage's shard, by image number); after the merge the images are those of the
 * unsharded image stage with the same inputs and the manifest's seed. Preview provider.
 */
describe('sharding a pipeline run (issue 13)', () => {
  let workspace: string
  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-shard-pipeline-')
  })
  afterAll(async () => removeDir(workspace))

  it('plan --stage pipeline, two pipeline shards, merge: the images of the unsharded run', async () => {
    const common = [
      '--concept',
      'a lighthouse at dusk, pipeline sharding test',
      '--image-count',
      '4',
      '--models',
      'imagen4-fast,flux-schnell',
      '--folder-name',
      'out/pipe',
    ]
    const plan = await kamuiOk(
      ['plan', '--stage', 'pipeline', '--shards', '2', ...common],
      workspace,
    )
    const manifestFile = plan.outputs['shard-manifest'] ?? ''
    const manifest = await readJson<{ stage: string; base_seed: number }>(
      path.join(workspace, manifestFile),
    )
    expect(manifest.stage).toBe('image-generation-v2')

    const { runs } = await kamuiTogether(
      [1, 2].map((k) => [
        'pipeline',
        ...common,
        '--stages',
        'image,video,web',
        '--shard',
        `${k}/2`,
        '--shard-manifest',
        manifestFile,
      ]),
      workspace,
    )
    for (const run of runs) {
      expect(run.stderr).toMatch(
        /a shard runs the image stage only; video, web run after kamui merge/,
      )
      expect(
        JSON.parse(run.outputs['stages-run'] ?? '[]').map((s: { stage: string }) => s.stage),
      ).toEqual(['image'])
    }
    await kamuiOk(['merge', '--shard-folders', 'out/pipe-shard-*-of-2'], workspace)

    // The unsharded image stage with the inputs the pipeline gives it and the manifest's seed.
    await kamuiOk(
      [
        'image-generation-v2',
        '--image-prompt',
        'a lighthouse at dusk, pipeline sharding test',
        '--image-count',
        '4',
        '--models',
        'imagen4-fast,flux-schnell',
        '--seed',
        String(manifest.base_seed),
        '--folder-name',
        'out/whole',
      ],
      workspace,
    )
    for (let i = 1; i <= 4; i++) {
      const file = `images/generated-image-${i}.png`
      expect(await pixelsOf(path.join(workspace, 'out/pipe', file)), file).toEqual(
        await pixelsOf(path.join(workspace, 'out/whole', file)),
      )
    }
    expect(await readJson(path.join(workspace, 'out/pipe/models-used.json'))).toEqual(
      await readJson(path.join(workspace, 'out/whole/models-used.json')),
    )
  }, 300_000)
})
