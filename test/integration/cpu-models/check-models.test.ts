import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { closedPortUrl } from '../../unit/cpu-models/tiny-models.js'

const root = path.resolve(import.meta.dirname, '../../..')

describe('npm run check:models', () => {
  it('is a package script', async () => {
    const pkg = JSON.parse(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(path.join(root, 'package.json'), 'utf8'),
      ),
    )
    expect(pkg.scripts['check:models']).toBe('tsx scripts/check-models.ts')
  })

  it('fails clearly, with exit code 1 and nothing cached, when the Hub is unreachable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kamui-check-models-'))
    try {
      const run = await promisify(execFile)(
        process.execPath,
        [
          path.join(root, 'node_modules/tsx/dist/cli.mjs'),
          'scripts/check-models.ts',
          '--model-cache-dir',
          path.join(dir, 'models'),
          '--out',
          path.join(dir, 'out.json'),
        ],
        {
          cwd: root,
          env: { PATH: process.env['PATH'], HOME: dir, HF_ENDPOINT: await closedPortUrl() },
        },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      )
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /check:models failed: QA_001: depth-anything-v2-small \(onnx-community\/depth-anything-v2-small@4472b73\) is not in the model cache .* could not be downloaded from http:\/\/127\.0\.0\.1:\d+: fetch failed \(ECONNREFUSED\)/,
      )
      expect(run.stderr).toMatch(
        /check:models needs the Hugging Face Hub \(http:\/\/127\.0\.0\.1:\d+\) .* run it where the Hub is reachable/,
      )
      expect(existsSync(path.join(dir, 'out.json'))).toBe(false)
      expect(
        existsSync(path.join(dir, 'models')) ? readdirSync(path.join(dir, 'models')) : [],
      ).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
