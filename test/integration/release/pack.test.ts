import { execFile } from 'node:child_process'
import { mkdir, readFile, symlink } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tempWorkspace } from '../../helpers/workspace.js'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../../..')

/**
 * `npm pack`, then the packed `kamui` CLI from an empty folder, as `npx --package=<tarball>
 * kamui …` runs it. To stay fast and offline, the tarball is extracted by hand instead of being
 * installed by npm, and its declared `dependencies` (and `optionalDependencies`) are linked from
 * this checkout's node_modules: nothing else of the checkout (devDependencies, src/) is
 * reachable. What this shows: the `files` list carries everything the CLI needs besides its
 * declared dependencies, `bin` points at an executable, and the bundle runs a stage. What it does
 * not show: that npm resolves the dependency ranges to working versions (`npx --yes
 * --package=<tarball> kamui --version` from an empty folder does that, with registry access).
 */
describe('the npm package', () => {
  it(
    'packs, and its kamui CLI prints the version and runs image-generation-v2 on the preview provider from an empty folder',
    { timeout: 120_000 },
    async () => {
      const work = await tempWorkspace('kamui-pack-')
      const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', work], {
        cwd: ROOT,
      })
      const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[]
      const files = (info?.files ?? []).map((f) => f.path)
      expect(files).toContain('bin/kamui.js')
      expect(files).toContain('LICENSE')
      expect(files).toContain('dist/kamui/index.js')
      expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false)

      const prefix = path.join(work, 'prefix')
      const pkg = path.join(prefix, 'node_modules', 'kamui-media-actions')
      await mkdir(pkg, { recursive: true })
      await run('tar', [
        '-xzf',
        path.join(work, info?.filename as string),
        '-C',
        pkg,
        '--strip-components=1',
      ])
      const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8')) as {
        version: string
        private?: boolean
        bin: Record<string, string>
        dependencies: Record<string, string>
        optionalDependencies?: Record<string, string>
      }
      expect(manifest.private).toBeUndefined()
      for (const name of Object.keys({
        ...manifest.dependencies,
        ...manifest.optionalDependencies,
      })) {
        await mkdir(path.dirname(path.join(prefix, 'node_modules', name)), { recursive: true })
        await symlink(
          path.join(ROOT, 'node_modules', name),
          path.join(prefix, 'node_modules', name),
        )
      }
      const bin = path.join(pkg, manifest.bin['kamui'] as string)
      const empty = path.join(work, 'empty')
      await mkdir(empty)
      const env = { PATH: process.env['PATH'], HOME: process.env['HOME'] }

      const version = await run(bin, ['--version'], { cwd: empty, env })
      expect(version.stdout.trim()).toBe(manifest.version)

      const image = await run(
        bin,
        [
          'image-generation-v2',
          '--image-prompt',
          'A lighthouse at dusk',
          '--folder-name',
          'out',
          '--image-count',
          '1',
          '--image-size',
          '128x128',
          '--json',
        ],
        { cwd: empty, env, timeout: 90_000 },
      )
      const outputs = JSON.parse(image.stdout) as Record<string, string>
      expect(outputs['images-completed']).toBe('1')
      const png = await readFile(path.join(empty, 'out/images/generated-image-1.png'))
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    },
  )
})
