import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/*
 * Layers of src/, bottom → top (docs/architecture.md). A library folder may import its own
 * layer and the layers below it, never a layer above; only the adapters (src/actions, src/cli,
 * src/commands.ts, src/bundle.ts) may import @actions/* or read process.env / process.argv.
 * Imports are relative, so "which folder does this import reach" depends on how deep the
 * importing file sits: the rules below are generated per layer and per depth.
 */
export const LAYERS = [
  'core',
  'contracts',
  'models',
  'media',
  'providers',
  'runner',
  'quality',
  'output',
  'stages',
]
/** Folders and files of the adapter layer, above every library layer. */
export const ADAPTER_DIRS = ['actions', 'cli']
export const ADAPTER_FILES = ['commands', 'bundle']
/** Deepest file below src/ the generated rules cover (src/a/b/c/d/e/f/g/x.ts). */
const MAX_DEPTH = 8

/** `../` repeated `n` times, as a regular expression. */
const up = (n) => `(?:\\.\\./){${n}}`
/** Files of `dir` (relative to src/) at exactly `depth` folders below src/. */
const filesAt = (dir, depth) => {
  const below = depth - dir.split('/').length
  return below < 0 ? [] : [`src/${dir}/${'*/'.repeat(below)}*.ts`]
}

/** The ban on @actions/* and on reading the process's environment or arguments. */
const ADAPTER_ONLY = {
  message:
    'Only the adapters (src/actions, src/cli, src/commands.ts, src/bundle.ts) use @actions/* or read process.env / process.argv: take the value as a parameter (StageContext.env, function options) instead. See docs/architecture.md.',
}
const PROCESS_PROPERTIES = ['env', 'argv'].map((property) => ({
  object: 'process',
  property,
  message: ADAPTER_ONLY.message,
}))
const PROCESS_IMPORTS = ['process', 'node:process'].map((name) => ({
  name,
  importNames: ['env', 'argv'],
  message: ADAPTER_ONLY.message,
}))
const ACTIONS_PATTERN = { regex: '^@actions/', message: ADAPTER_ONLY.message }

/**
 * The restrictions of one library file at `depth` folders below src/, in `layer` (and, within
 * the layer, in sub-folder `sub`, or '' for the layer's own files).
 */
function libraryRules(layer, sub, depth, { allowActions = false, allowProcess = false } = {}) {
  const higher = [...LAYERS.slice(LAYERS.indexOf(layer) + 1), ...ADAPTER_DIRS]
  const toSrc = up(depth)
  const toLayer = depth === 1 ? '\\./' : up(depth - 1)
  const patterns = [
    {
      regex: `^${toSrc}(?:${higher.join('|')})(?:/|$)|^${toSrc}(?:${ADAPTER_FILES.join('|')})(?:\\.js)?$`,
      message: `src/${layer} is below ${[...higher.filter((l) => !ADAPTER_DIRS.includes(l)), 'the adapters'].join(', ')}: import only from ${layer} and the layers under it (${LAYERS.slice(0, LAYERS.indexOf(layer)).join(' < ') || 'none'}). Move shared types or schemas down (src/contracts, src/core). See docs/architecture.md.`,
    },
  ]
  if (!allowActions) patterns.push(ACTIONS_PATTERN)
  // Named cycles and side doors inside a layer.
  if (layer === 'providers' && sub !== '') {
    const level = providerLevel(sub)
    const folders = SUBFOLDERS.providers
    const above = folders.filter((s) => s !== sub && providerLevel(s) >= level)
    const below = folders.filter((s) => providerLevel(s) < level)
    patterns.push({
      regex: `^${toLayer}(?!(?:${below.join('|') || '$^'})/)[^./][^/]*/`,
      message: `Inside src/providers a folder imports only the folders of lower levels (gpu < mcp, comfyui, llm < kinds < one folder per media kind < preview), so the folders stay acyclic: providers/${sub} may import ${below.map((b) => `${b}/`).join(', ') || 'no other providers/ folder'}, not ${above.map((a) => `${a}/`).join(', ')}. Move what both need down (a lower level, src/contracts or src/core). See docs/architecture.md.`,
    })
  }
  if (layer === 'quality') {
    patterns.push({
      regex: '(?:^|/)index(?:\\.js)?$',
      message: 'No barrels in src/quality: import the module that defines the name.',
    })
  }
  if (layer === 'stages' && sub !== '' && sub !== 'pipeline') {
    patterns.push({
      regex: `^${toLayer}(?!${sub}/)[^./][^/]*/`,
      message: `A stage does not import another stage (only stages/pipeline composes them): move what ${sub} shares with it to src/contracts or a lower layer.`,
    })
  }
  if ((layer === 'output' && sub !== 'publish') || layer === 'stages') {
    patterns.push({
      regex: layer === 'output' ? `^${toLayer}publish(?:/|$)` : `^${toSrc}output/publish(?:/|$)`,
      message:
        'The publishers (src/output/publish: @actions/artifact, @actions/exec) are called by the adapters only; stage specs take PUBLISH_INPUTS from src/contracts/publish-inputs.ts.',
    })
  }
  const rules = {
    'no-restricted-imports': ['error', { paths: allowProcess ? [] : PROCESS_IMPORTS, patterns }],
    'no-restricted-syntax': [
      'error',
      {
        // esquery's regular expressions end at the first "/": write it as \x2F.
        selector: `ImportExpression[source.value=/${patterns
          .map((p) => p.regex)
          .join('|')
          .replaceAll('/', '\\x2F')}/]`,
        message:
          'A dynamic import() that a static import here would not be allowed to make (see the layer rules in eslint.config.mjs).',
      },
    ],
  }
  rules['no-restricted-properties'] = allowProcess ? 'off' : ['error', ...PROCESS_PROPERTIES]
  if (!allowProcess) {
    rules['no-restricted-syntax'].push({
      selector:
        "MemberExpression[object.type='MemberExpression'][object.property.name='process'][property.name=/^(env|argv)$/]",
      message: ADAPTER_ONLY.message,
    })
  }
  return rules
}

const STAGES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src', 'stages')

/**
 * Levels of the folders inside src/providers: a folder imports only folders of a lower level.
 * The transports (gpu, then MCP, ComfyUI and the local LLM) at the bottom, the job interfaces
 * (kinds), the provider of each media kind, and the preview MCP server (its own program) on
 * top. A folder not listed here is a media-kind folder (level 3).
 */
const PROVIDER_LEVELS = {
  gpu: 0,
  mcp: 1,
  comfyui: 1,
  llm: 1,
  kinds: 2,
  image: 3,
  video: 3,
  depth: 3,
  text: 3,
  story: 3,
  scorer: 3,
  preview: 4,
}
const providerLevel = (folder) => PROVIDER_LEVELS[folder] ?? 3
const PROVIDERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src', 'providers')

/** Sub-folders whose files get their own rules (named cycles, the stage and publish doors). */
const SUBFOLDERS = {
  providers: [
    ...new Set([
      ...Object.keys(PROVIDER_LEVELS),
      ...(existsSync(PROVIDERS_DIR)
        ? readdirSync(PROVIDERS_DIR, { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => entry.name)
        : []),
    ]),
  ],
  output: ['publish'],
  // Every stage folder: a stage imports no other stage (pipeline excepted, see libraryRules).
  stages: existsSync(STAGES_DIR)
    ? readdirSync(STAGES_DIR, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
    : [],
}

/**
 * Documented exceptions (docs/architecture.md, "Exceptions"):
 * - src/output/publish uploads artifacts and pushes commits for the adapters, through
 *   @actions/artifact and @actions/exec; nothing below the adapters imports it.
 * - src/providers/preview/main.ts is the process entry of the preview MCP server (its own
 *   program, started by the stages): it reads its environment and hands it on as options.
 */
const EXCEPTIONS = {
  'output/publish': { allowActions: true },
  'providers/preview/main.ts': { allowProcess: true },
}

function layerConfigs() {
  const configs = []
  for (const layer of LAYERS) {
    const subs = SUBFOLDERS[layer] ?? []
    for (let depth = 1; depth <= MAX_DEPTH; depth += 1) {
      const own = filesAt(layer, depth)
      if (own.length === 0) continue
      configs.push({
        files: own,
        ignores: subs.flatMap((sub) => filesAt(`${layer}/${sub}`, depth)),
        rules: libraryRules(layer, '', depth),
      })
      for (const sub of subs) {
        const files = filesAt(`${layer}/${sub}`, depth)
        if (files.length === 0) continue
        configs.push({
          files,
          rules: libraryRules(layer, sub, depth, EXCEPTIONS[`${layer}/${sub}`]),
        })
      }
    }
  }
  // The generated rules of providers/preview/*.ts, with process.env allowed in main.ts only.
  configs.push({
    files: ['src/providers/preview/main.ts'],
    rules: libraryRules('providers', 'preview', 2, EXCEPTIONS['providers/preview/main.ts']),
  })
  return configs
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'runtime/node_modules/**',
      '.tmp/**',
      'out/**',
      'docs/out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  ...layerConfigs(),
  { files: ['src/cli/**', 'bench/**', 'scripts/**', 'test/**'], rules: { 'no-console': 'off' } },
  { files: ['bin/**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
)
