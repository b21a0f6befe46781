/**
 * The build: renders every `actions/<stage>/action.yml`, then bundles each action entry, the
 * preview MCP server and the CLI with @vercel/ncc into `dist/<name>/index.js` (ESM).
 *
 * Bundles are minified (about a third of the size; dist/ is generated, never edited).
 * `sharp` is left out of the bundles (`-e sharp`): it is a native module that ncc cannot bundle
 * and dist/ holds no native binaries. Actions install it at run time from `runtime/` (see
 * src/actions/shared/runtime.ts); the CLI finds it in node_modules.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { STAGE_COMMANDS } from '../src/commands.js'
import { renderActionYml, ROOT_ACTION } from './action-yml.js'
import { imageGenerationV2Command } from '../src/stages/image-generation/commands.js'
import { renderIoTables, replaceBetweenMarkers } from './docs.js'
import { writeThreeBuildAssets } from '../src/web/three-assets.js'

const root = path.resolve(import.meta.dirname, '..')
const TITLES: Record<string, string> = {
  'image-generation': 'kamui image generation (v1)',
  'image-generation-v2': 'kamui image generation v2',
  keyframes: 'kamui keyframes',
  'video-generation': 'kamui video generation',
  'pointcloud-generation': 'kamui point-cloud generation',
  'web-player-generation': 'kamui web player',
  'threejs-pointcloud-viewer': 'kamui three.js point-cloud viewer',
}

for (const command of STAGE_COMMANDS) {
  const dir = path.join(root, 'actions', command.name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'action.yml'),
    renderActionYml(command, TITLES[command.name] ?? command.name),
  )
  for (const readme of [path.join(dir, 'README.md'), path.join(root, 'README.md')]) {
    if (!existsSync(readme)) continue
    const text = readFileSync(readme, 'utf8')
    const updated = replaceBetweenMarkers(text, command.name, renderIoTables(command))
    if (updated !== text) writeFileSync(readme, updated)
  }
}

writeFileSync(
  path.join(root, 'action.yml'),
  renderActionYml(imageGenerationV2Command, ROOT_ACTION.title, ROOT_ACTION),
)

const bundles: [name: string, entry: string][] = [
  ...STAGE_COMMANDS.map((c): [string, string] => [c.name, `src/actions/${c.name}/index.ts`]),
  ['preview-server', 'src/preview/main.ts'],
  ['cli', 'src/cli/index.ts'],
]
if (!process.argv.includes('--yml-only')) {
  rmSync(path.join(root, 'dist'), { recursive: true, force: true })
  for (const [name, entry] of bundles) {
    const out = path.join('dist', name)
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        entry,
        '-o',
        out,
        '-e',
        'sharp',
        '--license',
        'licenses.txt',
        '--minify',
        '--quiet',
      ],
      { cwd: root, stdio: 'inherit' },
    )
  }
  // three.js for the web player and viewer pages: bundles run without node_modules.
  writeThreeBuildAssets(path.join(root, 'dist'))
}
