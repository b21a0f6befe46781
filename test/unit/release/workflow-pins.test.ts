import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import {
  hasShellcheck,
  runScripts,
  shellcheckScript,
} from '../../../scripts/shellcheck-workflows.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')

/**
 * The first major of each official action whose `runs.using` is node24 (read from each
 * repository's action.yml at its major tags; upload-pages-artifact is a composite action whose
 * v5 runs upload-artifact v7). A `uses:` below that major runs on Node 20, which GitHub retires.
 */
const NODE24_MAJOR: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'actions/upload-artifact': 6,
  'actions/download-artifact': 7,
  'actions/cache': 5,
  'actions/configure-pages': 6,
  'actions/upload-pages-artifact': 5,
  'actions/deploy-pages': 5,
}

/** Every YAML and Markdown file below .github/ and docs/, relative to the root. */
function files(): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    if (!existsSync(path.join(ROOT, dir))) return
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(rel)
      else if (/\.(ya?ml|md)$/.test(entry.name)) found.push(rel)
    }
  }
  walk('.github')
  walk('docs')
  return found.sort()
}

/** Every `uses:` of an official action (`actions/*`, `github/*`) with its file and line. */
function officialUses(): { file: string; line: number; text: string }[] {
  const found: { file: string; line: number; text: string }[] = []
  for (const file of files()) {
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (/uses:\s*['"]?(actions|github)\//.test(text))
          found.push({ file, line: i + 1, text: text.trim() })
      })
  }
  return found
}

describe('workflows on the current majors of the official actions', () => {
  const uses = officialUses()

  it('finds the uses: lines it checks', () => {
    expect(uses.length).toBeGreaterThan(10)
  })

  it('pins every official action by full commit SHA, with its version in a comment, on its Node 24 major', () => {
    for (const use of uses) {
      const where = `${use.file}:${use.line}: ${use.text}`
      const match =
        /uses:\s*['"]?((?:actions|github)\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40})['"]?\s+#\s*v(\d+)\.(\d+)\.(\d+)\s*$/.exec(
          use.text,
        )
      expect(match, where).not.toBeNull()
      const [, action, , major] = match as RegExpExecArray
      expect(NODE24_MAJOR[action as string], `${where}: no known Node 24 major`).toBeDefined()
      expect(Number(major), where).toBeGreaterThanOrEqual(NODE24_MAJOR[action as string] as number)
    }
  })

  it('uses one SHA per action version everywhere', () => {
    const shaOf = new Map<string, string>()
    for (const use of uses) {
      const [, action, sha, version] =
        /uses:\s*['"]?([\w./-]+)@([0-9a-f]{40})\s+#\s*(v[\d.]+)/.exec(use.text) ?? []
      const key = `${action}@${version}`
      expect(shaOf.get(key) ?? sha, `${use.file}:${use.line}`).toBe(sha)
      shaOf.set(key, sha as string)
    }
  })
})

describe('release metadata', () => {
  it('the root action.yml description fits the Marketplace (under 125 characters)', () => {
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
      description: string
    }
    expect(action.description.length).toBeGreaterThan(20)
    expect(action.description.length).toBeLessThan(125)
  })

  it('has a LICENSE (MIT, as package.json says), a Keep a Changelog CHANGELOG.md with the current version, and the release workflow', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      license: string
      version: string
      private?: boolean
      bin: Record<string, string>
      files: string[]
      engines: Record<string, string>
      repository: { url: string }
    }
    expect(pkg.license).toBe('MIT')
    expect(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} /,
    )
    const changelog = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')
    expect(changelog).toContain('Keep a Changelog')
    expect(changelog).toContain('## [Unreleased]')
    expect(changelog).toMatch(
      new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    )
    expect(pkg.private).toBeUndefined()
    expect(pkg.bin['kamui']).toBe('bin/kamui.js')
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/', 'dist/', 'LICENSE']))
    expect(pkg.engines['node']).toBeDefined()
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/)
    const release = parse(
      readFileSync(path.join(ROOT, '.github/workflows/release.yml'), 'utf8'),
    ) as {
      on: { push: { tags: string[] } }
      jobs: Record<string, { steps: { run?: string }[] }>
    }
    expect(release.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+'])
    const scripts = Object.values(release.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''))
    expect(scripts.join('\n')).toContain('npm run build')
    expect(scripts.join('\n')).toContain('scripts/release-notes.ts')
    expect(scripts.join('\n')).toContain('gh release create')
    expect(scripts.join('\n')).toMatch(/git push --force origin "refs\/tags\/\$MAJOR"/)
  })

  it('Dependabot watches npm and GitHub Actions', () => {
    const config = parse(readFileSync(path.join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
      updates: { 'package-ecosystem': string }[]
    }
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm',
    ])
  })

  it('the actionlint configuration knows node24', () => {
    const config = parse(readFileSync(path.join(ROOT, '.github/actionlint.yaml'), 'utf8')) as {
      paths: Record<string, { ignore: string[] }>
    }
    expect(config.paths['.github/workflows/**/*.{yml,yaml}']?.ignore).toContain(
      'invalid runner name "node24"',
    )
  })
})

describe('shellcheck on run: scripts', () => {
  it('extracts the bash run: scripts of a workflow, skipping other shells', () => {
    const scripts = runScripts(
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - name: one',
        '        run: echo $X',
        '      - run: Write-Host hi',
        '        shell: pwsh',
        '      - uses: actions/checkout@0000000000000000000000000000000000000000 # v5.0.0',
      ].join('\n'),
      'w.yml',
    )
    expect(scripts).toEqual([{ file: 'w.yml', step: 'a / one', script: 'echo $X' }])
  })

  it.runIf(hasShellcheck())('reports an unquoted variable and passes a clean script', () => {
    expect(shellcheckScript('rm -rf $DIR/build\n').join('\n')).toMatch(/SC2086/)
    expect(shellcheckScript('rm -rf "$DIR/build"\n')).toEqual([])
  })
})
